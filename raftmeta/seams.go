package raftmeta

import (
	"context"
	"time"
)

// Server is one server as the gossip layer sees it.
type Server struct {
	ID       string
	Site     string
	Capacity uint64
	RaftAddr string
	RPCAddr  string
	Alive    bool
}

// Members is the gossip view (implemented by node over membership).
type Members interface {
	Servers() []Server
}

// Forwarder sends an envelope to another node's HandleForward (implemented by
// node with a signed internal RPC to rpcAddr).
type Forwarder interface {
	Forward(ctx context.Context, rpcAddr string, req []byte) ([]byte, error)
}

// LeaderInfo names the current leader.
type LeaderInfo struct {
	ID   string `json:"id"`
	Addr string `json:"addr"`
}

// Status is a node's view of the group.
type Status struct {
	ID            string     `json:"id"`
	State         string     `json:"state"`
	Leader        LeaderInfo `json:"leader"`
	Term          uint64     `json:"term"`
	CommitIndex   uint64     `json:"commit_index"`
	AppliedIndex  uint64     `json:"applied_index"`
	Voters        []string   `json:"voters"`
	NonVoters     []string   `json:"non_voters"`
	LayoutVersion uint64     `json:"layout_version"`
	// Metadata is "serving", or "refused: …" while the node recovers from
	// a damaged raft log, stable store or FSM (recovery.go).
	Metadata string `json:"metadata"`
	// Damaged lists the damaged stores (log, stable, fsm) while recovering.
	Damaged []string `json:"damaged,omitempty"`
	// VotesRefused: the node takes no part in elections (damaged log or
	// stable store, not caught up yet).
	VotesRefused bool `json:"votes_refused,omitempty"`
}

type staleKey struct{}

// WithStale marks ctx so reads skip the ReadIndex protocol and serve the
// locally applied state (possibly stale). Never the default.
func WithStale(ctx context.Context) context.Context {
	return context.WithValue(ctx, staleKey{}, true)
}

func isStale(ctx context.Context) bool {
	v, _ := ctx.Value(staleKey{}).(bool)
	return v
}

// timeoutFor returns the time left before ctx's deadline, or def.
func timeoutFor(ctx context.Context, def time.Duration) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		if d := time.Until(dl); d > 0 {
			return d
		}
		return time.Millisecond
	}
	return def
}
