// Package shard owns where the erasure-coded shards of a chunk live and how a
// node keeps the shards it owns.
//
// Placement (place.go) is a pure function of (chunk ID, layout): weighted
// rendezvous hashing per shard index, constrained by failure domains (no two
// shards of a chunk on one node while the layout has at least K+M eligible
// nodes; at most M shards of a chunk in one site while the sites can hold
// them). It does no I/O and is safe for concurrent use.
//
// Store (store.go, writer.go) is the node-local shard store on Pebble. Shard
// bytes are written into sstables under monotonic data keys ('d' + sequence)
// and ingested (they land in L6: write amplification ≈ 1), then a small synced
// batch commits the index ('i' + chunk ID + index → sequence, length,
// header fields). A single writer goroutine group-commits concurrent Puts and
// Deletes, so an index entry is never visible before its data is durable.
// Every read re-verifies the shard checksum (erasure.ParseShard).
//
// Concurrency: all Store methods are safe for concurrent use. Put and Delete
// are serialised through the writer goroutine, which Close stops; reads go
// straight to Pebble.
package shard
