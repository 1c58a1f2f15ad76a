package durability_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/datamon-io/datamon/cas"
	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/durability"
	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/manifest"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
	"github.com/datamon-io/datamon/shard"
)

var errDown = errors.New("test: node down")

// tnode is one in-process node: a real shard store on an in-memory FS, a
// real cas.Service and a durability.Service.
type tnode struct {
	id    string
	c     *tcluster
	fs    vfs.FS
	mu    sync.Mutex
	store *shard.Store
	down  atomic.Bool
	cas   *cas.Service
	dur   *durability.Service
}

func (n *tnode) st() *shard.Store {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.store
}

// tcluster: raftmetatest for metadata + in-process storage nodes.
type tcluster struct {
	t     testing.TB
	meta  *raftmetatest.Cluster
	nodes map[string]*tnode
	ids   []string
	cfg   durability.Config
}

func newTCluster(t testing.TB, n int, p layout.Policy, cfg durability.Config) *tcluster {
	t.Helper()
	mc := raftmetatest.New(t, n, raftmetatest.Options{Policy: &p})
	c := &tcluster{t: t, meta: mc, nodes: map[string]*tnode{}, ids: mc.IDs(), cfg: cfg}
	waitFor(t, 20*time.Second, "layout of all nodes", func() bool {
		for _, id := range c.ids {
			m := mc.Meta(id)
			if m == nil || len(m.Layout().Nodes) != n || m.Layout().Policy != p {
				return false
			}
		}
		return true
	})
	for _, id := range c.ids {
		nd := &tnode{id: id, c: c, fs: vfs.NewMem()}
		st, err := shard.Open(shard.StoreConfig{Dir: "/shards", FS: nd.fs})
		if err != nil {
			t.Fatal(err)
		}
		nd.store = st
		c.nodes[id] = nd
	}
	for _, id := range c.ids {
		c.startServices(c.nodes[id])
	}
	t.Cleanup(func() {
		for _, nd := range c.nodes {
			if nd.dur != nil {
				_ = nd.dur.Close()
				_ = nd.cas.Close()
			}
			_ = nd.st().Close()
		}
	})
	return c
}

func (c *tcluster) startServices(nd *tnode) {
	c.t.Helper()
	cs, err := cas.New(cas.Config{HedgeDelay: 50 * time.Millisecond, ShardTimeout: 2 * time.Second}, topo{nd}, shardIO{c})
	if err != nil {
		c.t.Fatal(err)
	}
	cfg := c.cfg
	cfg.NodeID = nd.id
	ds, err := durability.New(cfg, topo{nd}, shardIO{c}, cs, storeRef{nd}, metaAdapter{nd}, peers{c})
	if err != nil {
		c.t.Fatal(err)
	}
	nd.cas, nd.dur = cs, ds
}

// metaOf is id's Meta, or any running one once id left raft.
func (c *tcluster) metaOf(id string) *raftmeta.Meta {
	if m := c.meta.Meta(id); m != nil {
		return m
	}
	for _, o := range c.meta.Running() {
		return c.meta.Meta(o)
	}
	c.t.Fatal("no running meta")
	return nil
}

// kill stops a node for good: services closed, unreachable, dead in gossip.
func (c *tcluster) kill(id string) {
	nd := c.nodes[id]
	nd.down.Store(true)
	c.meta.SetAlive(id, false)
	_ = nd.dur.Close()
	_ = nd.cas.Close()
}

// live returns the IDs of nodes not killed.
func (c *tcluster) live() []string {
	var out []string
	for _, id := range c.ids {
		if !c.nodes[id].down.Load() {
			out = append(out, id)
		}
	}
	return out
}

// passes runs repair passes on every live node until one round does nothing.
func (c *tcluster) passes(ctx context.Context, rounds int) durability.PassResult {
	c.t.Helper()
	var total durability.PassResult
	for r := 0; r < rounds; r++ {
		var round durability.PassResult
		for _, id := range c.live() {
			res, err := c.nodes[id].dur.RepairPass(ctx)
			if err != nil {
				c.t.Fatalf("repair pass on %s: %v", id, err)
			}
			round.Moved += res.Moved
			round.Rebuilt += res.Rebuilt
			round.Pending += res.Pending
			round.Failures += res.Failures
			total.Moved += res.Moved
			total.Rebuilt += res.Rebuilt
			total.Bytes += res.Bytes
		}
		c.t.Logf("repair round %d: moved %d rebuilt %d pending %d failures %d", r, round.Moved, round.Rebuilt, round.Pending, round.Failures)
		if round.Moved == 0 && round.Rebuilt == 0 && round.Pending == 0 && round.Failures == 0 {
			return total
		}
		if round.Pending > 0 { // young chunks wait for the repair delay
			time.Sleep(c.cfg.RepairDelay + 50*time.Millisecond)
		}
	}
	return total
}

type topo struct{ n *tnode }

func (t topo) Layouts() []layout.Layout { return t.n.c.metaOf(t.n.id).Layouts() }
func (t topo) Alive(id layout.NodeID) bool {
	o := t.n.c.nodes[string(id)]
	return o != nil && !o.down.Load()
}
func (t topo) LocalSite() string         { return "s1" }
func (t topo) Site(layout.NodeID) string { return "s1" }

type shardIO struct{ c *tcluster }

func (s shardIO) node(id layout.NodeID) (*shard.Store, error) {
	n := s.c.nodes[string(id)]
	if n == nil || n.down.Load() {
		return nil, fmt.Errorf("%s: %w", id, errDown)
	}
	return n.st(), nil
}
func (s shardIO) PutShard(ctx context.Context, id layout.NodeID, k shard.Key, b []byte) error {
	st, err := s.node(id)
	if err != nil {
		return err
	}
	return st.Put(ctx, k, b)
}
func (s shardIO) GetShard(ctx context.Context, id layout.NodeID, k shard.Key) ([]byte, error) {
	st, err := s.node(id)
	if err != nil {
		return nil, err
	}
	return st.Get(ctx, k)
}
func (s shardIO) HasShards(ctx context.Context, id layout.NodeID, keys []shard.Key) ([]bool, error) {
	st, err := s.node(id)
	if err != nil {
		return nil, err
	}
	return st.Has(ctx, keys)
}

type storeRef struct{ n *tnode }

func (r storeRef) IterateSeq(ctx context.Context, fn func(shard.Key, shard.SeqInfo) error) error {
	return r.n.st().IterateSeq(ctx, fn)
}
func (r storeRef) IterateSeqAfter(ctx context.Context, after *shard.Key, fn func(shard.Key, shard.SeqInfo) error) error {
	return r.n.st().IterateSeqAfter(ctx, after, fn)
}
func (r storeRef) HighSeq() (uint64, error) { return r.n.st().HighSeq() }
func (r storeRef) Get(ctx context.Context, k shard.Key) ([]byte, error) {
	return r.n.st().Get(ctx, k)
}
func (r storeRef) Put(ctx context.Context, k shard.Key, b []byte) error {
	return r.n.st().Put(ctx, k, b)
}
func (r storeRef) Delete(ctx context.Context, k shard.Key) error { return r.n.st().Delete(ctx, k) }
func (r storeRef) Stats() shard.StoreStats                       { return r.n.st().Stats() }

// metaAdapter mirrors node's adapter of raftmeta.Meta to durability.Meta.
type metaAdapter struct{ n *tnode }

func (a metaAdapter) m() *raftmeta.Meta { return a.n.c.metaOf(a.n.id) }
func (a metaAdapter) ListContexts(ctx context.Context) ([]model.Context, error) {
	return a.m().ListContexts(ctx)
}
func (a metaAdapter) ListRepos(ctx context.Context, c string) ([]model.Repo, error) {
	return a.m().ListRepos(ctx, c)
}
func (a metaAdapter) ListBundles(ctx context.Context, c, r string) ([]model.Bundle, error) {
	return a.m().ListBundles(ctx, c, r)
}
func (a metaAdapter) RepairRate(ctx context.Context) (uint64, error) {
	s, err := a.m().DurabilitySettings(ctx)
	return s.RepairRate, err
}
func (a metaAdapter) SetRepairRate(ctx context.Context, r uint64) error {
	return a.m().SetRepairRate(ctx, r)
}
func (a metaAdapter) SetNodeCapacity(ctx context.Context, id string, c uint64) error {
	return a.m().SetNodeCapacity(ctx, id, c)
}
func (a metaAdapter) RebalanceReports(ctx context.Context) (map[string]uint64, error) {
	reps, err := a.m().RebalanceReports(ctx)
	out := map[string]uint64{}
	for _, r := range reps {
		out[r.Node] = r.Version
	}
	return out, err
}
func (a metaAdapter) ReportRebalanced(ctx context.Context, node string, v uint64) error {
	return a.m().ReportRebalanced(ctx, node, v)
}
func (a metaAdapter) RetireLayouts(ctx context.Context, upTo uint64) error {
	return a.m().RetireLayouts(ctx, upTo)
}

type peers struct{ c *tcluster }

func (p peers) Members() []durability.Member {
	var out []durability.Member
	for _, id := range p.c.ids {
		out = append(out, durability.Member{ID: id, Site: "s1", Alive: !p.c.nodes[id].down.Load()})
	}
	return out
}
func (p peers) Call(ctx context.Context, id layout.NodeID, path string, body []byte) ([]byte, error) {
	n := p.c.nodes[string(id)]
	if n == nil || n.down.Load() {
		return nil, errDown
	}
	h, ok := n.dur.Handlers()[path]
	if !ok {
		return nil, fmt.Errorf("no handler %s", path)
	}
	return h(ctx, body)
}

// putter stores manifest pages through a node's cas.
type putter struct{ cs *cas.Service }

func (p putter) PutChunk(ctx context.Context, data []byte) (chunk.ID, error) {
	return p.cs.Put(ctx, data)
}

// commitBundle stores files of the given contents (one chunk each) and
// commits them as a bundle of ctx/repo (creating the repo if needed).
func (c *tcluster) commitBundle(ctx context.Context, via, repo string, files [][]byte) model.Bundle {
	c.t.Helper()
	nd, m := c.nodes[via], c.metaOf(via)
	_, err := m.CreateRepo(ctx, model.Repo{Context: model.DefaultContext, Name: repo, Description: "test"})
	if err != nil && !errors.Is(err, model.ErrExists) {
		c.t.Fatal(err)
	}
	w := manifest.NewWriter(ctx, putter{nd.cas}, manifest.WriterConfig{LeafEntries: 8})
	for i, f := range files {
		id, err := nd.cas.Put(ctx, f)
		if err != nil {
			c.t.Fatal(err)
		}
		e := manifest.Entry{Path: fmt.Sprintf("f%04d", i), Type: manifest.File, Size: int64(len(f)),
			Chunks: []manifest.ChunkRef{{ID: id, Size: uint32(len(f))}}}
		if err := w.Add(e); err != nil {
			c.t.Fatal(err)
		}
	}
	root, err := w.Close()
	if err != nil {
		c.t.Fatal(err)
	}
	waitFor(c.t, 10*time.Second, "background shard writes", func() bool {
		st := nd.cas.Stats()
		return st.WritesInFlight == 0 && st.PendingRepairs == 0
	})
	b, err := m.CommitBundle(ctx, model.Bundle{Context: model.DefaultContext, Repo: repo, Message: "test",
		ManifestRoot: root.ID, FileCount: root.Files, ByteCount: root.Bytes}, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return b
}

func randomFiles(seed uint64, n, size int) [][]byte {
	r := rand.New(rand.NewPCG(seed, seed))
	out := make([][]byte, n)
	for i := range out {
		out[i] = make([]byte, size/2+r.IntN(size))
		for j := range out[i] {
			out[i][j] = byte(r.Uint32())
		}
	}
	return out
}

func waitFor(t testing.TB, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func testConfig() durability.Config {
	cfg := durability.DefaultConfig()
	cfg.RepairDelay = 300 * time.Millisecond
	cfg.RepairInterval = time.Hour // tests drive passes explicitly
	cfg.ScrubInterval = -1
	cfg.LivenessInterval = 50 * time.Millisecond
	cfg.SeqSampleInterval = 50 * time.Millisecond
	cfg.CallTimeout = 5 * time.Second
	cfg.BatchChunks = 16
	cfg.Logger = slog.New(slog.DiscardHandler)
	return cfg
}

var errStop = errors.New("stop")

func errorsIs(err, target error) bool { return errors.Is(err, target) }
