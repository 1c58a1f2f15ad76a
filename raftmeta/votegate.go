package raftmeta

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/raft"
)

// voteGate wraps the raft transport of a node whose log or stable store
// was damaged. hashicorp/raft has no "do not vote" switch, so while the gate
// is closed the node takes part in elections in no way:
//   - incoming RequestVote, RequestPreVote and TimeoutNow are answered with
//     ErrVotesRefused (a candidate counts that as a vote not granted);
//   - its own RequestVote/RequestPreVote calls fail at once, so its
//     candidacy never collects a vote (with pre-vote its term does not
//     even move).
//
// Replication (AppendEntries, InstallSnapshot, heartbeats) passes through:
// that is how the node catches up. Opening the gate is one atomic store.
type voteGate struct {
	inner   raft.Transport
	closed  atomic.Bool // true: refusing
	refused atomic.Uint64
	out     chan raft.RPC
	done    chan struct{}
	once    sync.Once
}

// gatePreVote is the gate over a transport that supports pre-vote: raft
// enables pre-vote by a type assertion, so the wrapper must offer
// RequestPreVote exactly when the inner transport does.
type gatePreVote struct{ *voteGate }

var (
	_ raft.Transport   = (*voteGate)(nil)
	_ raft.WithClose   = (*voteGate)(nil)
	_ raft.WithPreVote = gatePreVote{}
)

func newVoteGate(inner raft.Transport, refuse bool) (*voteGate, raft.Transport) {
	g := &voteGate{inner: inner, out: make(chan raft.RPC), done: make(chan struct{})}
	g.closed.Store(refuse)
	go g.pump()
	if _, ok := inner.(raft.WithPreVote); ok {
		return g, gatePreVote{g}
	}
	return g, g
}

func (g *voteGate) refusing() bool { return g.closed.Load() }
func (g *voteGate) open()          { g.closed.Store(false) }

// pump forwards the inner transport's RPCs to raft, answering election
// RPCs itself while the gate is closed. It stops on Close.
func (g *voteGate) pump() {
	in := g.inner.Consumer()
	for {
		select {
		case rpc := <-in:
			if g.refusing() {
				switch rpc.Command.(type) {
				case *raft.RequestVoteRequest, *raft.RequestPreVoteRequest, *raft.TimeoutNowRequest:
					g.refused.Add(1)
					rpc.Respond(nil, fmt.Errorf("%w: this node's raft store was damaged and it has not caught up yet", ErrVotesRefused))
					continue
				}
			}
			select {
			case g.out <- rpc:
			case <-g.done:
				return
			}
		case <-g.done:
			return
		}
	}
}

func (g *voteGate) Consumer() <-chan raft.RPC     { return g.out }
func (g *voteGate) LocalAddr() raft.ServerAddress { return g.inner.LocalAddr() }
func (g *voteGate) EncodePeer(id raft.ServerID, a raft.ServerAddress) []byte {
	return g.inner.EncodePeer(id, a)
}
func (g *voteGate) DecodePeer(b []byte) raft.ServerAddress { return g.inner.DecodePeer(b) }
func (g *voteGate) SetHeartbeatHandler(cb func(rpc raft.RPC)) {
	g.inner.SetHeartbeatHandler(cb)
}

func (g *voteGate) AppendEntriesPipeline(id raft.ServerID, target raft.ServerAddress) (raft.AppendPipeline, error) {
	return g.inner.AppendEntriesPipeline(id, target)
}

func (g *voteGate) AppendEntries(id raft.ServerID, target raft.ServerAddress, args *raft.AppendEntriesRequest,
	resp *raft.AppendEntriesResponse) error {
	return g.inner.AppendEntries(id, target, args, resp)
}

func (g *voteGate) RequestVote(id raft.ServerID, target raft.ServerAddress, args *raft.RequestVoteRequest,
	resp *raft.RequestVoteResponse) error {
	if g.refusing() {
		return fmt.Errorf("%w: not asking %s for a vote", ErrVotesRefused, id)
	}
	return g.inner.RequestVote(id, target, args, resp)
}

func (g *voteGate) InstallSnapshot(id raft.ServerID, target raft.ServerAddress, args *raft.InstallSnapshotRequest,
	resp *raft.InstallSnapshotResponse, data io.Reader) error {
	return g.inner.InstallSnapshot(id, target, args, resp, data)
}

func (g *voteGate) TimeoutNow(id raft.ServerID, target raft.ServerAddress, args *raft.TimeoutNowRequest,
	resp *raft.TimeoutNowResponse) error {
	return g.inner.TimeoutNow(id, target, args, resp)
}

// stop ends the pump without closing the inner transport.
func (g *voteGate) stop() { g.once.Do(func() { close(g.done) }) }

// Close stops the pump and closes the inner transport if it can be closed
// (raft calls it on Shutdown, as it would the inner one).
func (g *voteGate) Close() error {
	g.stop()
	if c, ok := g.inner.(raft.WithClose); ok {
		return c.Close()
	}
	return nil
}

func (p gatePreVote) RequestPreVote(id raft.ServerID, target raft.ServerAddress, args *raft.RequestPreVoteRequest,
	resp *raft.RequestPreVoteResponse) error {
	if p.refusing() {
		return fmt.Errorf("%w: not asking %s for a pre-vote", ErrVotesRefused, id)
	}
	return p.inner.(raft.WithPreVote).RequestPreVote(id, target, args, resp)
}
