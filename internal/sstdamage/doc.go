// Package sstdamage damages a stopped node's shard store the way a failing
// disk does: raw bytes of its sstable files change below Pebble (no
// checksum is recomputed), a file is cut short or disappears. It also lists
// which shards each sstable holds and which of them no longer read back, so
// that tests and benchmarks can compare what the node reports with what was
// actually damaged.
//
// It is shared by the multi-process e2e test of issue 14, the jepsen
// corrupt-sstables nemeses and the bench figure product.repair.damage. The
// store must not be open while Inspect or any damage function runs.
package sstdamage
