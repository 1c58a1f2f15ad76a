package node

import (
	"context"
	"fmt"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/durability"
	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/membership"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
)

// Durability wiring (issue 7). node.New calls, after startChunks:
//
//	dur, err := n.startDurability()
//
// and passes n.clusterAPI(dur) instead of clusterInfo{n: n, Backend: n.s3} to api.New.

// startDurability starts the repair/rebalance/scrub service over the local
// shard store and registers its internal RPC handlers; Close stops it.
func (n *Node) startDurability() (*durability.Service, error) {
	cfg := durability.DefaultConfig()
	cfg.NodeID, cfg.Site, cfg.Capacity = n.id.ID, n.cfg.Site, n.cfg.Capacity
	cfg.Logger = n.log.With("component", "durability")
	if n.cfg.Fast { // local clusters and e2e tests
		cfg.RepairDelay = 3 * time.Second
		cfg.RepairInterval = 2 * time.Second
		cfg.ScrubInterval = 3 * time.Second
		cfg.SettingsInterval = time.Second
		cfg.SeqSampleInterval = time.Second
	}
	d, err := durability.New(cfg, topology{n}, shardIO{n}, n.chunks, n.store(), durMeta{n.meta}, durPeers{n})
	if err != nil {
		return nil, fmt.Errorf("node: durability: %w", err)
	}
	for path, h := range d.Handlers() {
		n.rpc.Handle(path, rpcHandler(h))
	}
	n.onClose(d.Close)
	return d, nil
}

// rpcHandler adapts a durability handler to the signed peer server.
func rpcHandler(h durability.Handler) fasthttp.RequestHandler {
	return func(rc *fasthttp.RequestCtx) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		out, err := h(ctx, rc.PostBody())
		if err != nil {
			rc.Error(err.Error(), fasthttp.StatusInternalServerError)
			return
		}
		rc.SetBody(out)
	}
}

// durMeta adapts raftmeta to durability.Meta.
type durMeta struct{ m *raftmeta.Meta }

func (a durMeta) ListContexts(ctx context.Context) ([]model.Context, error) {
	return a.m.ListContexts(ctx)
}
func (a durMeta) ListRepos(ctx context.Context, c string) ([]model.Repo, error) {
	return a.m.ListRepos(ctx, c)
}
func (a durMeta) ListBundles(ctx context.Context, c, r string) ([]model.Bundle, error) {
	return a.m.ListBundles(ctx, c, r)
}
func (a durMeta) RepairRate(ctx context.Context) (uint64, error) {
	s, err := a.m.DurabilitySettings(ctx)
	return s.RepairRate, err
}
func (a durMeta) SetRepairRate(ctx context.Context, r uint64) error { return a.m.SetRepairRate(ctx, r) }
func (a durMeta) SetNodeCapacity(ctx context.Context, id string, c uint64) error {
	return a.m.SetNodeCapacity(ctx, id, c)
}
func (a durMeta) RebalanceReports(ctx context.Context) (map[string]uint64, error) {
	reps, err := a.m.RebalanceReports(ctx)
	out := make(map[string]uint64, len(reps))
	for _, r := range reps {
		out[r.Node] = r.Version
	}
	return out, err
}
func (a durMeta) ReportRebalanced(ctx context.Context, node string, v uint64) error {
	return a.m.ReportRebalanced(ctx, node, v)
}
func (a durMeta) RetireLayouts(ctx context.Context, upTo uint64) error {
	return a.m.RetireLayouts(ctx, upTo)
}

// durPeers reaches other nodes' durability handlers over signed RPC.
type durPeers struct{ n *Node }

func (p durPeers) Members() []durability.Member {
	var out []durability.Member
	for _, mb := range p.n.members.Members() {
		if !mb.Meta.Server {
			continue
		}
		out = append(out, durability.Member{ID: mb.Meta.ID, Site: mb.Meta.Site, Capacity: mb.Meta.Capacity,
			Alive: mb.State == membership.Alive})
	}
	return out
}

func (p durPeers) Call(ctx context.Context, id layout.NodeID, path string, body []byte) ([]byte, error) {
	a, err := shardIO{p.n}.addr(id)
	if err != nil {
		return nil, err
	}
	return p.n.rpcCli.Call(ctx, a, path, body)
}

// clusterAPI is api.Cluster plus api.Durability (nil d: no durability routes).
func (n *Node) clusterAPI(d *durability.Service) api.Cluster {
	if d == nil {
		return clusterInfo{n: n, Backend: n.s3}
	}
	return durableCluster{clusterInfo: clusterInfo{n: n, Backend: n.s3}, d: d}
}

type durableCluster struct {
	clusterInfo
	d *durability.Service
}

// Metrics adds the durability figures to the node's.
func (c durableCluster) Metrics() map[string]float64 {
	out := c.clusterInfo.Metrics()
	for k, v := range c.d.Metrics() {
		out[k] = v
	}
	return out
}

func (c durableCluster) DurabilityStatus(ctx context.Context) (any, error) { return c.d.Status(ctx) }

func (c durableCluster) Fsck(ctx context.Context, req api.FsckRequest) (any, bool, error) {
	rep, err := c.d.Fsck(ctx, durability.FsckOptions{Scope: durability.Scope{Context: req.Context, Repo: req.Repo}, Verify: req.Verify})
	return rep, err == nil && rep.OK(), err
}

func (c durableCluster) GC(ctx context.Context, req api.GCRequest) (any, error) {
	o := durability.GCOptions{DryRun: req.DryRun}
	if req.Grace != "" {
		g, err := time.ParseDuration(req.Grace)
		if err != nil {
			return nil, fmt.Errorf("%w: grace: %v", model.ErrInvalid, err)
		}
		o.Grace = g
		if g == 0 {
			o.Grace = -1 // explicit zero: no grace period
		}
	}
	return c.d.GC(ctx, o)
}

func (c durableCluster) DrainNode(ctx context.Context, id string) error {
	return c.n.meta.SetNodeCapacity(ctx, id, 0)
}

func (c durableCluster) UndrainNode(ctx context.Context, id string) (uint64, error) {
	return c.n.meta.UndrainNode(ctx, id)
}

func (c durableCluster) SetRepairRate(ctx context.Context, bps uint64) error {
	return c.n.meta.SetRepairRate(ctx, bps)
}
