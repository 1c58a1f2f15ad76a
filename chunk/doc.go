// Package chunk names content: a chunk ID is the BLAKE3-256 hash of a chunk's
// bytes, and a content-defined chunker (FastCDC-style) cuts a stream into
// chunks whose boundaries depend only on nearby content, so an insert near the
// start of a file leaves the later chunks, and their IDs, unchanged.
//
// It imports nothing of ours. IDs are values; a Chunker is used by one
// goroutine at a time.
package chunk
