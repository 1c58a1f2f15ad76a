// Package manifest stores a bundle's file list as a tree of content-addressed
// pages, so bundles of millions of files are written in one streaming pass
// and read without loading the whole list.
//
// A Writer takes entries in strictly increasing byte-wise path order and packs
// them into leaf pages (bounded by entry count and encoded size); every full
// page is stored as one chunk through the ChunkPutter seam and a reference to
// it (first path, last path, chunk ID, subtree counts) goes into the index page
// one level up, which is flushed the same way. Close returns the Root: the ID
// of the top page plus totals. Memory is O(page size × tree height).
//
// A Reader fetches pages through the ChunkGetter seam (checking that each
// page's BLAKE3 matches its ID), keeps only the root in memory, and walks down
// to exactly the pages that overlap a requested path or prefix: Walk (prefix
// scan), Lookup (one path) and ListDir (immediate children, paged, skipping
// whole subtrees).
//
// Page format (all integers varints unless noted):
//
//	page   = magic(0xD7) version(2; 1 still decodes) kind(1 leaf | 2 index) body
//	leaf   = count entry*                      paths strictly increasing
//	entry  = shared suffixLen suffix type mode mtime(zigzag) typed attrs
//	attrs  = count (keyLen key valueLen value)*  keys increasing (version 2 only;
//	         version-1 entries have no attrs section)
//	         (path = previous path[:shared] + suffix; first entry shared = 0)
//	typed  = File: nchunks (id[32] size)*  | Symlink: len target | Dir: -
//	index  = level(>=1) count ref*              ranges strictly increasing, disjoint
//	ref    = shared suffixLen suffix (first, vs previous ref's first)
//	         lastShared lastSuffixLen lastSuffix (vs this first) id[32] entries files bytes
//
// The decoder checks every length against the bytes that remain before
// allocating, validates every path and entry as Add does, and rejects
// trailing bytes; the reader also checks that each child page matches the
// reference that led to it (level, first/last path, count).
//
// Concurrency: a Writer is used by one goroutine. A Reader is immutable after
// Open and safe for concurrent use; each call fetches its own pages.
package manifest
