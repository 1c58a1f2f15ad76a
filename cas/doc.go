// Package cas is the cluster-wide content-addressed chunk service that every
// node runs. A chunk is addressed by chunk.Sum (BLAKE3-256) of its bytes.
//
// Put encodes a chunk with the erasure policy of the newest layout
// (Topology.Layouts()[0]), places its K+M shards with shard.Place and writes
// them to their owners in parallel through ShardIO. It returns as soon as
// K+1 shards (K when M = 0) are durable; the remaining writes continue in the
// background under the service's lifetime (not the caller's context) and any
// that fail, including shards whose owner Topology reports dead, go to an
// in-memory repair queue that a background loop retries with exponential
// backoff until they succeed or the service is closed. The queue is NOT
// persistent: a restart loses it, and a cluster-wide repair scan (package
// shard, later) is what eventually restores shards lost that way.
//
// PutIfMissing first asks Has and skips the upload when the chunk already has
// K shards under some layout; Put always (re)writes every shard. Both are
// idempotent. Clients that already asked Has in bulk should call Put.
//
// Get consults every layout, newest first. Within one layout it requests the
// K data shards (alive owners first), immediately replaces a failed, missing
// or corrupt shard by a parity shard (alive owners and the local site first)
// and, after Config.HedgeDelay, hedges every still-outstanding request with a
// parity shard. With all data shards in hand it only concatenates payloads;
// otherwise it reconstructs with erasure.Reconstruct. The result is always
// verified against the ID; on a mismatch every remaining shard is fetched and
// subsets are tried. Shards that come back corrupt are logged, counted and
// rewritten (rebuilt from the verified chunk) through the repair queue, as are
// shards an alive owner of the serving layout reported missing. When no
// layout yields K shards, every alive node of every layout is asked for every
// shard index (HasShards, then GetShard) so chunks survive placement changes.
// Unknown chunks return an error wrapping model.ErrNotFound; chunks with some
// but fewer than K reachable shards return ErrInsufficientShards; when no
// shard is found but more than M owners of the current layout (or every node)
// were unreachable, Get cannot tell and returns ErrUnavailable.
//
// Has batches one HasShards call per node per call (bounded parallelism); a
// chunk is present when at least K of its shards exist under some layout.
//
// Concurrency: a Service is safe for concurrent use by any number of
// goroutines. Close stops the repair loop and the background writes and
// waits for them; calls after Close return ErrClosed.
package cas
