package node

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/hashicorp/go-hclog"

	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/membership"
	"github.com/datamon-io/datamon/peer"
	"github.com/datamon-io/datamon/raftmeta"
	"github.com/datamon-io/datamon/shard"
)

// gossipServers gives raftmeta the server nodes gossip knows
// (raftmeta.Members); with admission, only those admitted (admission.go).
type gossipServers struct {
	m     *membership.Membership
	admit *admission
}

func (g gossipServers) Servers() []raftmeta.Server {
	var out []raftmeta.Server
	for _, mb := range g.m.Members() {
		if !mb.Meta.Server {
			continue
		}
		if g.admit != nil && !g.admit.admitted(mb.Meta.ID, mb.Meta.RPCAddr) {
			continue
		}
		out = append(out, raftmeta.Server{
			ID: mb.Meta.ID, Site: mb.Meta.Site, Capacity: mb.Meta.Capacity,
			RaftAddr: mb.Meta.RaftAddr, RPCAddr: mb.Meta.RPCAddr,
			Alive: mb.State == membership.Alive,
		})
	}
	return out
}

// metaForwarder carries raftmeta's forwarded requests over signed RPC (raftmeta.Forwarder).
type metaForwarder struct{ c *peer.Client }

func (f metaForwarder) Forward(ctx context.Context, rpcAddr string, req []byte) ([]byte, error) {
	return f.c.Call(ctx, rpcAddr, "/internal/meta", req)
}

// member looks a node up in the gossip view.
func (n *Node) member(id layout.NodeID) (membership.Member, bool) {
	for _, mb := range n.members.Members() {
		if mb.Meta.ID == string(id) {
			return mb, true
		}
	}
	return membership.Member{}, false
}

// topology answers cas's questions from the Raft layout and gossip (cas.Topology).
type topology struct{ n *Node }

func (t topology) Layouts() []layout.Layout { return t.n.meta.Layouts() }
func (t topology) LocalSite() string        { return t.n.cfg.Site }
func (t topology) Alive(id layout.NodeID) bool {
	if string(id) == t.n.id.ID {
		return true
	}
	mb, ok := t.n.member(id)
	return ok && mb.State == membership.Alive
}
func (t topology) Site(id layout.NodeID) string {
	if nd, ok := t.n.meta.Layout().Node(id); ok {
		return nd.Site
	}
	if mb, ok := t.n.member(id); ok {
		return mb.Meta.Site
	}
	return ""
}

// shardIO reaches shard stores: the local one directly, others by signed RPC (cas.ShardIO).
type shardIO struct{ n *Node }

func (s shardIO) addr(id layout.NodeID) (string, error) {
	mb, ok := s.n.member(id)
	if !ok || mb.Meta.RPCAddr == "" {
		return "", fmt.Errorf("node %s: %w", id, peer.ErrUnreachable)
	}
	return mb.Meta.RPCAddr, nil
}

func (s shardIO) PutShard(ctx context.Context, id layout.NodeID, k shard.Key, b []byte) error {
	if string(id) == s.n.id.ID {
		return s.n.store().Put(ctx, k, b)
	}
	a, err := s.addr(id)
	if err != nil {
		return err
	}
	return s.n.rpcCli.PutShard(ctx, a, k, b)
}

// PutShards writes many shards to one node in one call (cas.BatchShardIO).
func (s shardIO) PutShards(ctx context.Context, id layout.NodeID, keys []shard.Key, shards [][]byte) error {
	if string(id) == s.n.id.ID {
		return s.n.store().PutBatch(ctx, keys, shards)
	}
	a, err := s.addr(id)
	if err != nil {
		return err
	}
	return s.n.rpcCli.PutShards(ctx, a, keys, shards)
}

func (s shardIO) GetShard(ctx context.Context, id layout.NodeID, k shard.Key) ([]byte, error) {
	if string(id) == s.n.id.ID {
		return s.n.shards.Get(ctx, k)
	}
	a, err := s.addr(id)
	if err != nil {
		return nil, err
	}
	return s.n.rpcCli.GetShard(ctx, a, k)
}

func (s shardIO) HasShards(ctx context.Context, id layout.NodeID, keys []shard.Key) ([]bool, error) {
	if string(id) == s.n.id.ID {
		return s.n.shards.Has(ctx, keys)
	}
	a, err := s.addr(id)
	if err != nil {
		return nil, err
	}
	return s.n.rpcCli.HasShards(ctx, a, keys)
}

// hclogFor routes hashicorp libraries' hclog output into slog.
func hclogFor(l *slog.Logger) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{Name: "raft", Level: hclog.Info, Output: slogLineWriter{l}, DisableTime: true})
}

type slogLineWriter struct{ l *slog.Logger }

func (w slogLineWriter) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	switch {
	case strings.Contains(msg, "[ERROR]"):
		w.l.Error(msg)
	case strings.Contains(msg, "[WARN]"):
		w.l.Warn(msg)
	default:
		w.l.Debug(msg)
	}
	return len(p), nil
}
