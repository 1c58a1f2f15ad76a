// Package erasure encodes one chunk into k data + m parity Reed–Solomon shards
// (systematic: the data shards are the chunk's bytes, zero-padded) and
// reconstructs the chunk from any k of them. It imports nothing of ours.
//
// Every shard is self-describing:
//
//	offset size field
//	0      4    magic "DMEC"
//	4      1    format version (1)
//	5      1    shard index (0..k+m-1)
//	6      1    k (data shards, >= 1)
//	7      1    m (parity shards, >= 0), k+m <= 256
//	8      32   chunk ID
//	40     4    chunk length (uint32, little endian)
//	44     4    payload length (uint32 LE) = ceil(chunk length / k)
//	48     n    payload
//	48+n   4    CRC-32C (Castagnoli, LE) of bytes [0, 48+n)
//
// An empty chunk (length 0) encodes to k+m shards with empty payloads; it
// reconstructs to an empty, non-nil slice. m = 0 is allowed: the chunk is then
// only split, and every data shard is needed.
//
// Concurrency: a Codec is immutable after New and safe for concurrent use;
// ParseShard, Reconstruct and Verify are pure functions. Shards returned by
// Encode share one backing allocation but each has its capacity clipped, so
// appending to one never overwrites another.
package erasure
