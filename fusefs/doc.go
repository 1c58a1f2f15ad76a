// Package fusefs serves datamon bundles as file systems through
// winfsp/cgofuse (libfuse3 on Linux, macFUSE on macOS, WinFsp on Windows).
//
// Read-only mounts (MountReadOnly) never load a whole manifest: attributes
// come from manifest.Lookup and directory listings from manifest.ListDir,
// page by page, cached in cost-bounded LRUs (Config.MetaCacheSize). Inode
// numbers are a 64-bit FNV-1a hash of the path, so they are stable across
// mounts. File data is streamed chunk by chunk through a ChunkCache bounded
// in bytes (Config.CacheSize) with read-ahead of Config.Prefetch chunks on
// sequential access; the client verifies every chunk's BLAKE3 hash and the
// cache checks its size against the manifest. Modes, mtimes, sizes and
// symlink targets are as recorded; owner is the mounting user; every
// mutation answers EROFS. A failed chunk fetch (cluster down) answers EIO.
//
// Read-write mounts (MountReadWrite) keep a staging directory on local disk:
// staging/tree is an upper layer over an optional base bundle and
// staging/state.json records the base, the commit options and whiteouts
// (base paths deleted or renamed away: a whiteout hides the base entry and
// everything below it). Base files are read from the cluster until they are
// opened for writing, truncated, chmod-ed, touched or renamed; then they are
// copied up into the upper layer. Renaming a base directory copies its subtree
// up (bounded by Config.MaxCopyUp bytes). Commit materializes the final view
// (upper layer plus every visible, untouched base entry, downloaded with
// verified chunks) into staging/tree and uploads it with transfer.Upload,
// whose dedup sends only chunks the cluster lacks; the new bundle's parent is
// the base bundle. A failed commit keeps the staging directory, and Commit
// can be called again on it (`datamon bundle mount commit --staging DIR`).
//
// Builds: the FUSE code needs cgo and, on Linux, the fuse3 build tag
// (`go build -tags fuse3`, libfuse3-dev headers; libfuse3 is loaded at run
// time); on Windows cgofuse needs no cgo. Other builds get stubs whose mount
// functions return ErrNoFUSE with instructions.
package fusefs
