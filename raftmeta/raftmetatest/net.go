package raftmetatest

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/datamon-io/datamon/raftmeta"
)

// ErrUnreachable is returned by the in-process forwarder across a partition
// or to a stopped node.
var ErrUnreachable = errors.New("raftmetatest: unreachable")

// members is the gossip view shared by all nodes.
type members struct{ c *Cluster }

func (m members) Servers() []raftmeta.Server {
	m.c.mu.Lock()
	defer m.c.mu.Unlock()
	out := make([]raftmeta.Server, 0, len(m.c.nodes))
	for _, nd := range m.c.nodes {
		out = append(out, raftmeta.Server{ID: nd.ID, Site: nd.Site, Capacity: nd.capacity,
			RaftAddr: string(nd.addr), RPCAddr: "rpc-" + nd.ID, Alive: m.c.alive[nd.ID]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// forwarder calls the target node's HandleForward in-process, honouring
// partitions in both directions (request and reply).
type forwarder struct {
	c    *Cluster
	from string
}

func (f forwarder) Forward(ctx context.Context, rpcAddr string, req []byte) ([]byte, error) {
	to := strings.TrimPrefix(rpcAddr, "rpc-")
	if !f.reachable(to) {
		return nil, ErrUnreachable
	}
	m := f.c.Meta(to)
	if m == nil {
		return nil, ErrUnreachable
	}
	req = append([]byte(nil), req...)
	rep, err := m.HandleForward(ctx, req)
	if !f.reachable(to) {
		return nil, ErrUnreachable // the reply was lost
	}
	if lose := f.c.opts.LoseReply; lose != nil && lose(f.from, to, req) {
		return nil, ErrUnreachable // the reply was lost (fault injection)
	}
	return rep, err
}

func (f forwarder) reachable(to string) bool {
	f.c.mu.Lock()
	defer f.c.mu.Unlock()
	nd := f.c.nodes[to]
	return nd != nil && nd.running && !f.c.cut[pair(f.from, to)]
}
