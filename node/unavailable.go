package node

import (
	"errors"

	"github.com/datamon-io/datamon/cas"
	"github.com/datamon-io/datamon/diskguard"
	"github.com/datamon-io/datamon/raftmeta"
	"github.com/hashicorp/raft"
)

// degradedErrs are the sentinels that mean "not enough of the cluster is up
// right now": the request may succeed unchanged once nodes are back. The
// API answers them 503 Unavailable and the S3 gateway 503
// ServiceUnavailable, both with Retry-After, so clients and SDKs retry;
// anything else unexpected stays 500 (a bug).
var degradedErrs = []error{
	// Metadata: no leader known, a leader-only call on a follower, the
	// forward to the leader failed, leadership or quorum lost mid-apply,
	// the Raft apply queue full, the store shutting down.
	raftmeta.ErrNoLeader, raftmeta.ErrNotLeader, raftmeta.ErrForward, raftmeta.ErrClosed,
	// This node found its raft log, stable store or FSM damaged and
	// catches up from the leader (another node serves the call now).
	raftmeta.ErrRecovering,
	raft.ErrNotLeader, raft.ErrLeadershipLost, raft.ErrLeadershipTransferInProgress,
	raft.ErrEnqueueTimeout, raft.ErrRaftShutdown, raft.ErrAbortedByRestore,
	// Chunks: too few shard owners alive or durable for a write (owners
	// dead, a site lost), too few reachable for a read, no layout yet, the
	// service shutting down.
	cas.ErrInsufficientShards, cas.ErrUnavailable, cas.ErrNoLayout, cas.ErrClosed,
	// This node's disk is (nearly) full: it refuses shard data until space
	// is freed.
	diskguard.ErrLowSpace,
}

// unavailable reports whether err is a degraded-cluster condition (see
// degradedErrs). Matching is by errors.Is only: every layer wraps with %w.
func unavailable(err error) bool {
	for _, e := range degradedErrs {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
