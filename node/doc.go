// Package node is the composition root of a datamon server: it opens the
// node's stores, starts gossip (membership), the internal signed RPC (peer),
// the Raft metadata group (raftmeta), the cluster chunk service (cas) and the
// public HTTP API (api), and wires each one's narrow seams to the others.
//
// It holds no business logic: every decision lives in the package that owns
// it. New starts everything; Close stops it in reverse order and waits for the
// background goroutines.
//
// Data directory layout:
//
//	<dir>/node.json        the node's identity (ID, site), written once
//	<dir>/shards/          shard store (Pebble)
//	<dir>/meta/            Raft FSM state (Pebble)
//	<dir>/raft/log/        Raft log and stable store (Pebble, synced)
//	<dir>/raft/snapshots/  Raft snapshots
package node
