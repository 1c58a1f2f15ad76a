package cas

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/layout"
)

func TestHas(t *testing.T) {
	ctx := context.Background()
	c := newCluster(t, 6, 3, p42)
	s := newService(t, c, testConfig())
	chunks := putAll(t, s, rand.New(rand.NewPCG(19, 20)), 20, 4096)
	var ids []chunk.ID
	for id := range chunks {
		ids = append(ids, id)
	}
	unknown := chunk.Sum([]byte("unknown"))
	ids = append(ids, unknown)
	// Leave the first chunk with exactly K shards and the second with K-1.
	owners0, _ := s.place(ids[0], c.Layouts()[0])
	owners1, _ := s.place(ids[1], c.Layouts()[0])
	for i := range 2 {
		_ = c.node(owners0[i]).store.Delete(ctx, keyOf(ids[0], i))
	}
	for i := range 3 {
		_ = c.node(owners1[i]).store.Delete(ctx, keyOf(ids[1], i))
	}
	for _, id := range c.order {
		c.node(id).hasCalls.Store(0)
	}
	got, err := s.Has(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, ok := range got {
		want := i != 1 && ids[i] != unknown
		if ok != want {
			t.Fatalf("has[%d] = %v, want %v", i, ok, want)
		}
	}
	for _, id := range c.order {
		if n := c.node(id).hasCalls.Load(); n != 1 {
			t.Fatalf("node %s got %d HasShards calls for one Has, want 1", id, n)
		}
	}
	// One node down: chunks with 5 live shards are still present; the one
	// with exactly K may drop below.
	c.setDown(true, c.order[0])
	got, err = s.Has(ctx, ids[2:])
	if err != nil {
		t.Fatal(err)
	}
	for i, ok := range got {
		if ok != (ids[2+i] != unknown) {
			t.Fatalf("one node down: has[%d] = %v", 2+i, ok)
		}
	}
	// Everyone down: no answer is an error, not "missing".
	c.setDown(true, c.order...)
	if _, err := s.Has(ctx, ids); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("all down: %v, want ErrUnavailable", err)
	}
	c.allUp()
	// PutIfMissing skips present chunks and stores missing ones.
	before := c.node(c.order[0]).puts.Load()
	if _, stored, err := s.PutIfMissing(ctx, chunks[ids[2]]); err != nil || stored {
		t.Fatalf("PutIfMissing of a present chunk: stored=%v %v", stored, err)
	}
	if c.node(c.order[0]).puts.Load() != before {
		t.Fatal("PutIfMissing uploaded a present chunk")
	}
	if id, stored, err := s.PutIfMissing(ctx, chunks[ids[1]]); err != nil || !stored || id != ids[1] {
		t.Fatalf("PutIfMissing of a lost chunk: stored=%v %v", stored, err)
	}
	if ok, _ := s.Has(ctx, ids[1:2]); !ok[0] {
		t.Fatal("chunk still missing after PutIfMissing")
	}
}

// TestM0 runs a 3+0 policy: every shard is needed, K acks suffice.
func TestM0(t *testing.T) {
	ctx := context.Background()
	c := newCluster(t, 3, 3, layout.Policy{K: 3, M: 0})
	s := newService(t, c, testConfig())
	chunks := putAll(t, s, rand.New(rand.NewPCG(21, 22)), 10, 200_000)
	getAll(t, s, chunks, "3+0")
	c.setDown(true, c.order[1])
	if _, err := s.Put(ctx, []byte("m0")); !errors.Is(err, ErrInsufficientShards) {
		t.Fatalf("3+0 put with a node down: %v", err)
	}
	for id := range chunks {
		if _, err := s.Get(ctx, id); !errors.Is(err, ErrInsufficientShards) {
			t.Fatalf("3+0 get with a node down: %v", err)
		}
	}
}

// TestLayoutChange: chunks written under layout 1 stay readable while layout
// 2 (three more nodes, policy 6+2) is current and layout 1 is second, and
// even after layout 1 is retired (found by the scan).
func TestLayoutChange(t *testing.T) {
	ctx := context.Background()
	c := newCluster(t, 6, 3, p42)
	s := newService(t, c, testConfig())
	old := putAll(t, s, rand.New(rand.NewPCG(23, 24)), 15, 100_000)
	l1 := c.Layouts()[0]
	l2 := l1
	for i := 6; i < 9; i++ {
		n := layout.Node{ID: layout.NodeID(fmt.Sprintf("n%02d", i)), Site: fmt.Sprintf("site-%d", i%3), Capacity: 1 << 40}
		c.addNode(n)
		l2 = l2.With(n)
	}
	l2.Policy = layout.Policy{K: 6, M: 2}
	c.setLayouts(l2, l1)
	getAll(t, s, old, "old chunks, layouts [2,1]")
	fresh := putAll(t, s, rand.New(rand.NewPCG(25, 26)), 10, 100_000)
	for id := range fresh {
		owners, _ := s.place(id, l2)
		for i, o := range owners {
			if ok, _ := c.node(o).store.Has(ctx, []shardKey{keyOf(id, i)}); !ok[0] {
				t.Fatalf("new chunk %s: shard %d not on its layout-2 owner %s", id, i, o)
			}
		}
	}
	if ok, err := s.Has(ctx, keys(old)); err != nil || !all(ok) {
		t.Fatalf("has of old chunks under [2,1]: %v %v", ok, err)
	}
	c.setLayouts(l2)
	before := s.Stats().Fallbacks
	getAll(t, s, old, "old chunks, layout 1 retired")
	if s.Stats().Fallbacks-before < uint64(len(old))/2 {
		t.Fatalf("only %d of %d reads used the scan", s.Stats().Fallbacks-before, len(old))
	}
	getAll(t, s, fresh, "new chunks")
}

// TestConcurrent runs puts and gets from many goroutines (run with -race).
func TestConcurrent(t *testing.T) {
	ctx := context.Background()
	c := newCluster(t, 6, 3, p42)
	s := newService(t, c, testConfig())
	c.node(c.order[5]).down.Store(true) // some writes go to repair meanwhile
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 27))
			for range 10 {
				data := randBytes(r, r.IntN(64<<10))
				id, err := s.Put(ctx, data)
				if err != nil {
					errs <- err
					return
				}
				got, err := s.Get(ctx, id)
				if err != nil || !bytes.Equal(got, data) {
					errs <- fmt.Errorf("get %s: %v", id, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	c.allUp()
	waitFor(t, 10*time.Second, "pending to drain", func() bool { return s.Pending() == 0 })
}

func keys(m map[chunk.ID][]byte) []chunk.ID {
	var out []chunk.ID
	for id := range m {
		out = append(out, id)
	}
	return out
}

func all(b []bool) bool {
	for _, v := range b {
		if !v {
			return false
		}
	}
	return true
}
