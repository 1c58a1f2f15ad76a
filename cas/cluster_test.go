package cas

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/shard"
)

// errUnreachable is what a down node answers.
var errUnreachable = errors.New("test: node unreachable")

// testNode is one simulated node: a real shard.Store on an in-memory FS.
type testNode struct {
	id        layout.NodeID
	site      string
	store     *shard.Store
	down      atomic.Bool  // every call fails with errUnreachable
	delay     atomic.Int64 // nanoseconds every call sleeps (honouring ctx)
	putDelay  atomic.Int64 // extra nanoseconds PutShard sleeps
	flipGets  atomic.Bool  // GetShard flips one byte of what it returns
	puts      atomic.Int64
	batches   atomic.Int64 // PutShards calls
	gets      atomic.Int64
	hasCalls  atomic.Int64
	putsByKey sync.Map // shard.Key -> *atomic.Int64
}

// testCluster is an in-process cluster: it implements Topology and ShardIO.
type testCluster struct {
	t       testing.TB
	mu      sync.Mutex
	layouts []layout.Layout
	nodes   map[layout.NodeID]*testNode
	order   []layout.NodeID
	local   string
	// blind makes Alive report true for down nodes (stale gossip).
	blind atomic.Bool
}

// newCluster starts n nodes spread round-robin over sites, with one layout.
func newCluster(t testing.TB, n, sites int, p layout.Policy) *testCluster {
	t.Helper()
	c := &testCluster{t: t, nodes: map[layout.NodeID]*testNode{}, local: "site-0"}
	var lnodes []layout.Node
	for i := range n {
		ln := layout.Node{ID: layout.NodeID(fmt.Sprintf("n%02d", i)), Site: fmt.Sprintf("site-%d", i%sites), Capacity: 1 << 40}
		c.addNode(ln)
		lnodes = append(lnodes, ln)
	}
	l, err := layout.New(1, p, lnodes)
	if err != nil {
		t.Fatal(err)
	}
	c.layouts = []layout.Layout{l}
	return c
}

func (c *testCluster) addNode(ln layout.Node) *testNode {
	st, err := shard.Open(shard.StoreConfig{Dir: "/" + string(ln.ID), FS: vfs.NewMem(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { _ = st.Close() })
	tn := &testNode{id: ln.ID, site: ln.Site, store: st}
	c.mu.Lock()
	c.nodes[ln.ID] = tn
	c.order = append(c.order, ln.ID)
	c.mu.Unlock()
	return tn
}

func (c *testCluster) setLayouts(ls ...layout.Layout) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.layouts = ls
}

func (c *testCluster) node(id layout.NodeID) *testNode {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[id]
}

// setDown marks nodes down (or back up).
func (c *testCluster) setDown(down bool, ids ...layout.NodeID) {
	for _, id := range ids {
		c.node(id).down.Store(down)
	}
}

func (c *testCluster) allUp() {
	for _, id := range c.order {
		n := c.node(id)
		n.down.Store(false)
		n.delay.Store(0)
		n.putDelay.Store(0)
		n.flipGets.Store(false)
	}
}

// Topology.

func (c *testCluster) Layouts() []layout.Layout {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]layout.Layout(nil), c.layouts...)
}

func (c *testCluster) Alive(id layout.NodeID) bool {
	n := c.node(id)
	return n != nil && (c.blind.Load() || !n.down.Load())
}

func (c *testCluster) LocalSite() string { return c.local }

func (c *testCluster) Site(id layout.NodeID) string {
	if n := c.node(id); n != nil {
		return n.site
	}
	return ""
}

// ShardIO.

func (c *testCluster) enter(ctx context.Context, id layout.NodeID, extra time.Duration) (*testNode, error) {
	n := c.node(id)
	if n == nil {
		return nil, fmt.Errorf("unknown node %s: %w", id, errUnreachable)
	}
	if n.down.Load() {
		return nil, fmt.Errorf("node %s: %w", id, errUnreachable)
	}
	if d := time.Duration(n.delay.Load()) + extra; d > 0 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if n.down.Load() {
		return nil, fmt.Errorf("node %s: %w", id, errUnreachable)
	}
	return n, nil
}

func (c *testCluster) PutShard(ctx context.Context, id layout.NodeID, k shard.Key, b []byte) error {
	n := c.node(id)
	var extra time.Duration
	if n != nil {
		extra = time.Duration(n.putDelay.Load())
	}
	n, err := c.enter(ctx, id, extra)
	if err != nil {
		return err
	}
	if err := n.store.Put(ctx, k, b); err != nil {
		return err
	}
	n.puts.Add(1)
	v, _ := n.putsByKey.LoadOrStore(k, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
	return nil
}

// PutShards is BatchShardIO: one call per node, all or nothing.
func (c *testCluster) PutShards(ctx context.Context, id layout.NodeID, keys []shard.Key, shards [][]byte) error {
	n := c.node(id)
	var extra time.Duration
	if n != nil {
		extra = time.Duration(n.putDelay.Load())
	}
	n, err := c.enter(ctx, id, extra)
	if err != nil {
		return err
	}
	if err := n.store.PutBatch(ctx, keys, shards); err != nil {
		return err
	}
	n.batches.Add(1)
	n.puts.Add(int64(len(keys)))
	for _, k := range keys {
		v, _ := n.putsByKey.LoadOrStore(k, new(atomic.Int64))
		v.(*atomic.Int64).Add(1)
	}
	return nil
}

func (c *testCluster) GetShard(ctx context.Context, id layout.NodeID, k shard.Key) ([]byte, error) {
	n, err := c.enter(ctx, id, 0)
	if err != nil {
		return nil, err
	}
	n.gets.Add(1)
	b, err := n.store.Get(ctx, k)
	if err != nil {
		return nil, err
	}
	if n.flipGets.Load() && len(b) > 0 {
		b = append([]byte(nil), b...)
		b[len(b)/2] ^= 0x40
	}
	return b, nil
}

func (c *testCluster) HasShards(ctx context.Context, id layout.NodeID, keys []shard.Key) ([]bool, error) {
	n, err := c.enter(ctx, id, 0)
	if err != nil {
		return nil, err
	}
	n.hasCalls.Add(1)
	return n.store.Has(ctx, keys)
}

// putsOf is how many successful PutShard calls node id got for k.
func (n *testNode) putsOf(k shard.Key) int64 {
	if v, ok := n.putsByKey.Load(k); ok {
		return v.(*atomic.Int64).Load()
	}
	return 0
}

// testConfig is DefaultConfig with test-friendly timings.
func testConfig() Config {
	cfg := DefaultConfig()
	if os.Getenv("CAS_DEBUG") != "" {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	cfg.HedgeDelay = 50 * time.Millisecond
	cfg.RepairBackoffMin = 5 * time.Millisecond
	cfg.RepairBackoffMax = 50 * time.Millisecond
	cfg.ShardTimeout = 10 * time.Second
	return cfg
}

// newService starts a service on the cluster, closed at cleanup.
func newService(t testing.TB, c *testCluster, cfg Config) *Service {
	t.Helper()
	s, err := New(cfg, c, c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// randBytes returns n deterministic pseudo-random bytes.
func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	for i := n &^ 7; i < n; i++ {
		b[i] = byte(r.Uint32())
	}
	return b
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func keyOf(id chunk.ID, i int) shard.Key { return shard.Key{Chunk: id, Index: uint8(i)} }

type shardKey = shard.Key

// settle waits until no shard write is running and the repair queue is empty.
func settle(t testing.TB, s *Service) {
	t.Helper()
	waitFor(t, 10*time.Second, "writes to settle", func() bool {
		return s.Stats().WritesInFlight == 0 && s.Pending() == 0
	})
}
