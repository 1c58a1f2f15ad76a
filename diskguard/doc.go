// Package diskguard keeps a node alive and honest when its disk fills up.
//
// A Pebble store that cannot write its write-ahead log must stop (it
// panics: an FSM that cannot persist an applied entry cannot go on). On a
// shared or undersized disk that turns "the disk is full" into "the node
// crash-loops". The guard prevents that with a ballast, the approach
// CockroachDB takes:
//
//   - At start the guard reserves a ballast file (Config.BallastBytes,
//     default 1% of the filesystem clamped to [16 MiB, 1 GiB]) in the data
//     dir.
//   - Every Pebble store of the node runs on Guard.FS(inner): a write,
//     positioned write or preallocation that fails with ENOSPC deletes the
//     ballast (once) and is retried, so the metadata and Raft logs get the
//     ballast's headroom instead of crashing.
//   - While the ballast is released, or free space is below the ballast's
//     size, the guard is Low: Admit answers ErrLowSpace, and the node
//     refuses new shard data (client writes, repairs) with that clear error
//     instead of eating the headroom. Metadata keeps working.
//   - A background check (Config.CheckInterval) re-creates the ballast once
//     free space is back above twice its size, which ends Low.
//
// Nothing is acknowledged that was not written: a write that still fails
// after the ballast is gone returns its ENOSPC error unchanged.
package diskguard
