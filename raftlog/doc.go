// Package raftlog is the durable raft.LogStore and raft.StableStore of a datamon
// server, built on one Pebble database per node (its own directory).
//
// It owns:
//   - the on-disk key layout: 'l' + 8-byte big-endian index for log entries and
//     's' + key for stable-store values (SetUint64 stores 8 big-endian bytes under
//     the same key space, like raft-boltdb);
//   - a compact, versioned, checksummed binary encoding of raft.Log
//     (Index, Term, Type, Data, Extensions, AppendedAt); see codec.go;
//   - the in-memory cache of FirstIndex/LastIndex, so raft's hot path never
//     iterates Pebble.
//
// Durability: StoreLog/StoreLogs write one Pebble batch committed with
// Sync=true, DeleteRange writes a synced range tombstone, and Set/SetUint64 are
// synced. Anything acknowledged survives a SIGKILL or power loss; a batch is
// either fully present after a crash or fully absent. This is exercised with
// Pebble's crashable in-memory vfs (vfs.NewCrashableMem + CrashClone).
//
// Errors: GetLog of a missing index returns raft.ErrLogNotFound (unwrapped,
// raft compares it with ==). Get/GetUint64 of a missing key return
// ErrKeyNotFound, whose message is exactly "not found" and which is returned
// unwrapped, because hashicorp/raft checks err.Error() == "not found"
// (mirroring raft-boltdb). All other errors wrap the sentinels in errors.go.
//
// Concurrency: a *Store is safe for concurrent use; raft calls it from its main,
// replication and snapshot goroutines at once. Log writes (StoreLogs,
// DeleteRange) are serialised by a mutex so the FirstIndex/LastIndex cache
// always matches the committed key set; readers never wait for a write's fsync.
// Stable-store writes are independent synced batches. After Close every method
// returns ErrClosed; Close is idempotent.
//
// Damage at open ("Raft-side corruption"): Open reads every record, so
// every block checksum and every record's CRC-32C and index is checked, and
// checks the newest WAL before Pebble replays it (walcheck.go: a damaged
// record that Pebble would take for a torn tail, dropping the synced entries
// after it). Pebble runs with WAL sync chunks and a DataCorruption listener
// (a corrupt block is an error, not a Fatalf panic). A damaged store is
// rebuilt (damage.go): the log entries before the first bad one, and the
// stable values that read, go into a new database together with a Damage
// record, in one synced batch; the old database is moved to
// Dir+".damaged-<time>". A store Pebble cannot open as corrupt first has its
// WAL moved aside. Damage stays recorded across restarts until ClearDamage:
// the caller (raftmeta) must not let the node vote until it holds again
// everything it could have acknowledged (docs/disk-faults.md, "Raft log and
// FSM"). Errors that are not corruption (permissions, a held lock) still
// fail Open.
//
// The store tolerates gaps between indexes but reports IsMonotonic() == true:
// deleting all logs is a single cheap range tombstone, so raft may clear the log
// after a snapshot restore instead of relying on gaps.
package raftlog
