// Package chunk names content: a chunk ID is the BLAKE3-256 hash of a chunk's
// bytes, and a content-defined chunker (FastCDC-style) cuts a stream into
// chunks whose boundaries depend only on nearby content, so an insert near the
// start of a file leaves the later chunks, and their IDs, unchanged.
//
// The chunker is gear-hash FastCDC with normalized chunking (level 2) and a
// fixed gear table, so boundaries are stable across processes and releases.
// A Chunker holds one 2×Max buffer; Chunk.Data aliases it and is valid only
// until the next call to Next.
//
// It imports nothing of ours. IDs are values; a Chunker is used by one
// goroutine at a time.
package chunk
