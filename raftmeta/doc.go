// Package raftmeta is the cluster's metadata group: a hashicorp/raft group
// whose finite state machine lives in a Pebble database, plus everything
// needed to run it without hand-editing: bootstrap from the gossip view,
// forwarding of writes and read indexes to the leader, voter placement
// across sites and the cluster layout.
//
// It owns:
//   - the command encoding (commands.go: 1 version byte + JSON) and the FSM
//     key space (keys.go); every mutation is exactly one Raft command;
//   - the FSM (fsm.go, apply*.go): apply is deterministic — the leader stamps
//     the time into the command before raft.Apply, bundle IDs are derived
//     from the raft index and that time, nothing iterates a Go map — and
//     idempotent: the last applied index is written in the same Pebble batch
//     as the change and entries <= it are skipped;
//   - snapshots (snapshot.go): a consistent Pebble snapshot streamed with a
//     SHA-256 trailer; Restore validates the whole stream before replacing
//     the state in one synced batch, so a truncated or corrupt snapshot
//     leaves the state untouched;
//   - duplicate suppression: every command carries a request ID chosen by
//     the node that received the call, so forwarding retries after an
//     ambiguous failure (leadership lost, network error) apply at most once;
//   - linearizable reads (reads.go) by ReadIndex, and the forwarding envelope
//     (forward.go) whose errors carry model.Err* across nodes;
//   - bootstrap-expect (bootstrap.go) and the leader's reconcile loop
//     (voters.go): voters spread across sites, layout growth.
//
// Durability choice: FSM batches are committed without fsync. The raft log
// is synced and raft is configured with NoSnapshotRestoreOnStart, so after a
// crash raft replays every entry after its last snapshot; the FSM skips the
// ones it still has (index <= persisted applied index) and re-applies the
// ones it lost. The one hole — the FSM losing unsynced writes that are older
// than a raft snapshot — is closed by FSM.Snapshot, which syncs the Pebble
// WAL before raft records the snapshot. Restore is synced.
//
// Read index and entries the FSM never sees: raft does not hand no-op and
// barrier entries to the FSM, so the FSM's applied index is "the last command
// or configuration entry applied". The leader turns its commit index into a
// read index by walking back over trailing no-op/barrier entries, so
// followers never wait for an index their FSM cannot reach.
//
// Store damage (recovery.go, votegate.go, fsm_damage.go): a damaged FSM is
// moved aside and rebuilt from the local snapshot and log. If that snapshot
// is unusable, the snapshots newer than the FSM are hidden from raft and the
// local log is discarded, so the leader sends a snapshot. A damaged raft log
// or stable store is rebuilt by raftlog and reported through StoreDamage.
// While any store is damaged the node refuses metadata (ErrRecovering).
// After log or stable-store damage it also takes no part in elections: the
// transport is wrapped in a vote gate that refuses RequestVote, pre-vote and
// TimeoutNow and fails its own vote requests. This lasts until raft's
// applied index has reached the leader's confirmed commit index and, in the
// leader's term, its log has reached the leader's last index. Only then has
// it again every entry it could have acknowledged. The rule for what may be
// discarded is in docs/disk-faults.md, "Raft log and FSM".
//
// Authorization at apply (authstamp.go): a write whose ctx carries a
// model.Caller (the access key an edge authenticated) is stamped with it;
// the FSM refuses the command, identically on every replica, when the key
// was deleted, the secret it was signed with rotated away or past its
// grace, or a grant it needs removed earlier in the log (ErrKeyRevoked,
// ErrForbidden; both model.ErrPermission).
//
// Concurrency: *Meta is safe for concurrent use. Writes and reads may be
// called from any goroutine on any node; Close stops the bootstrap and
// reconcile goroutines and shuts raft down, then closes Pebble. Layout() is
// lock-free (an atomic pointer refreshed after every applied layout change).
package raftmeta
