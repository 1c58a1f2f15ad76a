// Package raftmetatest runs real raftmeta groups in one process for tests:
// hashicorp/raft on InmemTransport, each node's FSM and raft log (package
// raftlog) on its own crashable in-memory Pebble filesystem, a gossip-like
// member list the test controls, and an in-process Forwarder that honours
// partitions.
//
// Faults: Isolate cuts a node off (raft transport and forwarding, both
// ways), Heal reconnects everything, Crash simulates a power loss (the
// node's filesystem is crash-cloned: un-synced writes are lost) and Restart
// brings a stopped or crashed node back on its surviving state.
//
// Concurrency: all Cluster methods are safe for concurrent use; Node.Meta
// is replaced on Restart, so read it through Cluster.Meta(id).
package raftmetatest
