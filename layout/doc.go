// Package layout holds the cluster layout: the storage nodes that may hold
// shards (with their failure domain and capacity) and the erasure-coding
// policy, as one numbered version.
//
// The layout is what placement is computed from. It is recorded in the Raft
// group (package raftmeta) so that every node places the same chunk on the
// same nodes regardless of its gossip view; gossip only says which nodes are
// alive. Before the Raft group exists, a node may derive a provisional layout
// from gossip.
//
// This package is a leaf: it imports nothing of ours. Values are immutable
// once built; share them freely between goroutines.
package layout
