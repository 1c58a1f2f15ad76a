// Package shard owns where the erasure-coded shards of a chunk live and how a
// node keeps the shards it owns.
//
// Placement (place.go) is a pure function of (chunk ID, layout): weighted
// rendezvous hashing per shard index, constrained by failure domains (no two
// shards of a chunk on one node while the layout has at least K+M eligible
// nodes; at most M shards of a chunk in one site while the sites can hold
// them). The layout's history of node lists is replayed so that a node that
// stays in a chunk's node set keeps its shard index (place_history.go): a
// layout change moves only the shards whose node left the set. Place builds
// a Placer per call; callers placing many chunks under one layout should
// keep a NewPlacer. It does no I/O; a Placer is immutable and safe for
// concurrent use.
//
// Store (store.go, writer.go, batch.go) is the node-local shard store on
// Pebble. Shard bytes are written into sstables under monotonic data keys
// ('d' + sequence), fsynced and ingested (they land in L6: write
// amplification ≈ 1); then one synced batch commits the index
// ('i' + chunk ID + index → sequence, size, K, M, chunk length) and the
// persisted sequence high-water mark. An index entry is therefore never
// visible before its data is durable; data ingested by a batch whose index
// commit was lost in a crash is dropped at Open. Every read re-verifies the
// shard checksum (erasure.ParseShard) and that the header names the key.
//
// Concurrency: all Store methods are safe for concurrent use. Puts and
// Deletes go through one coordinator goroutine that forms batches (group
// commit), builds up to Parallelism sstables concurrently, and one committer
// goroutine that ingests and commits them strictly in batch order (several
// ready batches share one Ingest and one index commit). Reads go straight to
// Pebble and see only committed state. Close stops both goroutines; queued
// requests fail with ErrClosed. After a failed ingest or commit the store
// refuses further writes (ErrClosed) until reopened.
//
// Disk faults (damage.go, damage_open.go, index_rebuild.go, syncgate.go;
// docs/disk-faults.md): a damaged, missing or truncated sstable never stops
// Open. A damaged data table is quarantined (hard-linked into quarantine/,
// excised) and its shards listed by DamagedShards; healthy shards of tables
// found damaged later are rewritten (Relocate) before QuarantineDamaged. A
// damaged index table is rebuilt from the shard data, whose headers name
// every shard. Corrupt reads and EIO return ErrCorrupt, never wrong bytes;
// a failed fsync refuses every later write (ErrSyncFailed) until reopened.
//
// Space: Delete (and a replacing Put) drops the old data with a point
// tombstone; the bytes return only when compaction rewrites that L6 table.
// Reclaiming space by dropping or rewriting whole tables is future work.
package shard
