package s3backend

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/datamon-io/datamon/cas"
	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
	"github.com/datamon-io/datamon/shard"
)

// shardNet is an in-process storage cluster: real shard stores on memory
// filesystems behind cas.Topology and cas.ShardIO.
type shardNet struct {
	l      layout.Layout
	stores map[layout.NodeID]*shard.Store
}

func newShardNet(t testing.TB, n int, p layout.Policy) *shardNet {
	t.Helper()
	s := &shardNet{stores: map[layout.NodeID]*shard.Store{}}
	var nodes []layout.Node
	for i := range n {
		id := layout.NodeID(fmt.Sprintf("n%d", i))
		st, err := shard.Open(shard.StoreConfig{Dir: "/" + string(id), FS: vfs.NewMem(), Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		s.stores[id] = st
		nodes = append(nodes, layout.Node{ID: id, Site: "s1", Capacity: 1 << 40})
	}
	l, err := layout.New(1, p, nodes)
	if err != nil {
		t.Fatal(err)
	}
	s.l = l
	return s
}

func (s *shardNet) Layouts() []layout.Layout  { return []layout.Layout{s.l} }
func (s *shardNet) Alive(layout.NodeID) bool  { return true }
func (s *shardNet) LocalSite() string         { return "s1" }
func (s *shardNet) Site(layout.NodeID) string { return "s1" }
func (s *shardNet) PutShard(ctx context.Context, n layout.NodeID, k shard.Key, b []byte) error {
	return s.stores[n].Put(ctx, k, b)
}
func (s *shardNet) GetShard(ctx context.Context, n layout.NodeID, k shard.Key) ([]byte, error) {
	return s.stores[n].Get(ctx, k)
}
func (s *shardNet) HasShards(ctx context.Context, n layout.NodeID, keys []shard.Key) ([]bool, error) {
	return s.stores[n].Has(ctx, keys)
}

// countingChunks passes through to the real cas.Service and counts calls
// (by chunk ID for gets), so tests can see what was stored and fetched.
type countingChunks struct {
	*cas.Service
	puts atomic.Int64
	mu   sync.Mutex
	gets map[chunk.ID]int
}

func (c *countingChunks) Put(ctx context.Context, data []byte) (chunk.ID, error) {
	c.puts.Add(1)
	return c.Service.Put(ctx, data)
}

func (c *countingChunks) Get(ctx context.Context, id chunk.ID) ([]byte, error) {
	c.mu.Lock()
	c.gets[id]++
	c.mu.Unlock()
	return c.Service.Get(ctx, id)
}

func (c *countingChunks) resetGets() map[chunk.ID]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.gets
	c.gets = map[chunk.ID]int{}
	return g
}

type env struct {
	t      *testing.T
	ctx    context.Context
	c      *raftmetatest.Cluster
	meta   *raftmeta.Meta
	chunks *countingChunks
	b      *Backend
	root   gateway.Identity
}

// small chunks so that objects of a few tens of KiB have many chunks.
func testConfig() Config {
	cfg := DefaultConfig()
	cfg.Chunker = chunk.ChunkerConfig{Min: 256, Avg: 1024, Max: 4096}
	cfg.MinPartSize = 8 << 10
	cfg.HasThreshold = 1
	cfg.ListPage = 3 // exercise batch boundaries
	cfg.Manifest.LeafEntries, cfg.Manifest.IndexEntries = 3, 2
	return cfg
}

func newEnv(t *testing.T, nodes int, mod func(*Config)) *env {
	t.Helper()
	return newEnvWith(t, nodes, raftmetatest.Options{}, false, mod)
}

// newEnvWith is newEnv with cluster options; onFollower puts the backend on
// a follower, so every write and linearizable read is forwarded.
func newEnvWith(t *testing.T, nodes int, opts raftmetatest.Options, onFollower bool, mod func(*Config)) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	t.Cleanup(cancel)
	c := raftmetatest.New(t, nodes, opts)
	leader, err := c.Leader(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	at := leader
	if onFollower {
		for _, id := range c.IDs() {
			if id != leader {
				at = id
				break
			}
		}
	}
	m := c.Meta(at)
	if err := raftmetatest.WaitFor(10*time.Second, func() error {
		_, err := m.GetContext(ctx, model.DefaultContext)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	net := newShardNet(t, 3, layout.Policy{K: 2, M: 1})
	svc, err := cas.New(cas.Config{Logger: slog.New(slog.DiscardHandler)}, net, net)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	cc := &countingChunks{Service: svc, gets: map[chunk.ID]int{}}
	cfg := testConfig()
	if mod != nil {
		mod(&cfg)
	}
	b, err := New(cfg, m, cc)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, ctx: ctx, c: c, meta: m, chunks: cc, b: b, root: gateway.Identity{AccessKey: "root", Root: true, Name: "r"}}
}

func data(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func (e *env) mkBucket(name string) {
	e.t.Helper()
	if err := e.b.CreateBucket(e.ctx, e.root, name); err != nil {
		e.t.Fatalf("create bucket %s: %v", name, err)
	}
}

func (e *env) put(bucket, key string, body []byte) gateway.ObjectInfo {
	e.t.Helper()
	oi, err := e.b.PutObject(e.ctx, e.root, bucket, key, bytes.NewReader(body), int64(len(body)), gateway.PutMeta{})
	if err != nil {
		e.t.Fatalf("put %s/%s: %v", bucket, key, err)
	}
	return oi
}

func (e *env) get(bucket, key string, rng *gateway.Range) ([]byte, gateway.ObjectInfo, error) {
	oi, rc, err := e.b.GetObject(e.ctx, e.root, bucket, key, rng)
	if err != nil {
		return nil, oi, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	return b, oi, err
}

func (e *env) mustGet(bucket, key string) []byte {
	e.t.Helper()
	b, _, err := e.get(bucket, key, nil)
	if err != nil {
		e.t.Fatalf("get %s/%s: %v", bucket, key, err)
	}
	return b
}

// listAll pages through a listing with maxKeys per page.
func (e *env) listAll(bucket, prefix, delim string, maxKeys int) (keys, prefixes []string, pages int) {
	e.t.Helper()
	after := ""
	for {
		res, err := e.b.ListObjects(e.ctx, e.root, bucket, gateway.ListQuery{Prefix: prefix, Delimiter: delim, After: after, MaxKeys: maxKeys})
		if err != nil {
			e.t.Fatalf("list: %v", err)
		}
		pages++
		for _, o := range res.Objects {
			keys = append(keys, o.Key)
		}
		prefixes = append(prefixes, res.CommonPrefixes...)
		if !res.IsTruncated {
			return keys, prefixes, pages
		}
		if len(res.Objects)+len(res.CommonPrefixes) != maxKeys {
			e.t.Fatalf("truncated page with %d items, max %d", len(res.Objects)+len(res.CommonPrefixes), maxKeys)
		}
		after = res.Next
	}
}
