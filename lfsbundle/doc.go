// Package lfsbundle joins Git LFS and bundles: Snapshot makes a bundle of
// the LFS objects a git ref points at (paths from the git tree, contents
// the chunks the cluster already holds: no data is copied), and GC decides
// which LFS objects of a repo no snapshot keeps.
//
// GC rule: an LFS object is kept when (a) a bundle of the repo has a file
// whose "lfs.oid" attribute is its OID (every Snapshot bundle records
// them), or (b) it is reachable from a ref of the git repository given
// with GCOptions.GitDir (all of its history), or (c) it was uploaded less
// than GCOptions.Grace ago (a push whose ref is not snapshotted yet).
// Everything else is garbage. Deleting one removes only its OID -> chunk
// mapping; the chunks are freed by the cluster GC, which keeps every chunk
// any bundle (or remaining LFS object) references, so nothing a bundle
// references is ever deleted.
package lfsbundle
