// Package durability keeps every chunk at full redundancy, in place: it is
// the per-node background machinery of DESIGN §3 "Repair, rebalance, scrub,
// GC" plus the cluster-wide checks an operator runs (fsck, gc).
//
// Every node runs one Service over its local shard store:
//
//   - Repair + rebalance scanner (repair.go): walks the local store in key
//     order, groups shards by chunk and, for batches of chunks, asks each
//     placement owner which shards it holds (one HasShards per node per
//     batch). Placement is computed on the "effective" layout: the newest
//     layout without the nodes that have been unreachable for longer than
//     Config.RepairDelay, with the newest layout's nodes as its last history
//     entry, so surviving owners keep their shard indexes and only the lost
//     nodes' shards are rebuilt elsewhere. Batches fix up to
//     Config.Parallelism chunks at once. A shard the node holds but no longer owns is copied
//     to its owner and deleted locally only after the owner acknowledged it
//     durable (or already held it). Missing shards are rebuilt (cas Get, then
//     re-encode, then PutShard of the missing indexes) by exactly one holder:
//     the one holding the lowest present shard index, so holders do not all
//     rebuild the same chunk. Writes are paced by a token bucket in bytes/s
//     (Config.RepairRate, else the Raft-recorded cluster setting, else
//     DefaultRepairRate). After a clean pass under the current layout the node
//     reports it (Raft); once every node of the current layout has reported,
//     the older layout versions are retired.
//   - Scrub (scrub.go): re-reads every local shard (checksum-verified by the
//     store) at Config.ScrubRate; a corrupt shard is rebuilt from the others
//     and rewritten in place.
//   - GC sweep (gc.go): deletes local shards of chunks a mark did not find,
//     that were written before both the mark's fence and now minus the grace
//     period (write order is the store's data sequence, sampled over time).
//
// Cluster-wide operations run on the node that receives the API call: Fsck
// (fsck.go) walks every live bundle's manifest pages and file chunks and
// classifies each chunk as healthy / degraded / misplaced / lost; GC
// (gc.go) fences every node, marks, then asks every node to sweep; Status
// (status.go) gathers every node's figures. Node-to-node calls go through the
// Peers seam to the handlers returned by Handlers.
//
// Concurrency: a Service is safe for concurrent use; Close stops its loops
// and waits for them.
package durability
