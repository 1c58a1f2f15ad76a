package cas

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/model"
)

var p42 = layout.Policy{K: 4, M: 2}

// putAll stores n chunks of up to maxSize bytes (plus the edge sizes) and
// returns them by ID.
func putAll(t *testing.T, s *Service, r *rand.Rand, n, maxSize int) map[chunk.ID][]byte {
	t.Helper()
	ctx := context.Background()
	sizes := []int{0, 1, 3, 4, 5, maxSize}
	for len(sizes) < n {
		sizes = append(sizes, r.IntN(maxSize+1))
	}
	out := map[chunk.ID][]byte{}
	for _, size := range sizes {
		data := randBytes(r, size)
		id, err := s.Put(ctx, data)
		if err != nil {
			t.Fatalf("put %d bytes: %v", size, err)
		}
		if id != chunk.Sum(data) {
			t.Fatalf("put returned %s, want %s", id, chunk.Sum(data))
		}
		out[id] = data
	}
	settle(t, s)
	return out
}

// getAll reads every chunk back and compares.
func getAll(t *testing.T, s *Service, chunks map[chunk.ID][]byte, what string) {
	t.Helper()
	for id, want := range chunks {
		got, err := s.Get(context.Background(), id)
		if err != nil {
			t.Fatalf("%s: get %s (%d bytes): %v", what, id, len(want), err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: get %s: %d bytes differ from the %d put", what, id, len(got), len(want))
		}
	}
}

// TestRoundTrip puts 200 chunks from 0 B to 8 MiB (log-uniform sizes) and
// reads them back.
func TestRoundTrip(t *testing.T) {
	c := newCluster(t, 6, 3, p42)
	cfg := testConfig()
	cfg.HedgeDelay = 5 * time.Second // a clean cluster must not need parity
	s := newService(t, c, cfg)
	r := rand.New(rand.NewPCG(1, 2))
	ctx := context.Background()
	sizes := []int{0, 1, 3, 4, 5, 8 << 20, 4<<20 + 1}
	for len(sizes) < 200 {
		bits := r.IntN(24) // 2^0 .. 2^23 = 8 MiB
		sizes = append(sizes, (1<<bits)+r.IntN(1<<bits))
	}
	chunks := map[chunk.ID][]byte{}
	var in uint64
	for _, n := range sizes {
		n = min(n, 8<<20)
		data := randBytes(r, n)
		id, err := s.Put(ctx, data)
		if err != nil {
			t.Fatalf("put %d: %v", n, err)
		}
		if _, dup := chunks[id]; !dup {
			in += uint64(n)
		}
		chunks[id] = data
	}
	settle(t, s)
	getAll(t, s, chunks, "all up")
	st := s.Stats()
	if st.Gets != uint64(len(chunks)) || st.Reconstructions != 0 || st.CorruptShards != 0 || st.DegradedWrites != 0 {
		t.Fatalf("stats after a clean round trip: %+v", st)
	}
	if st.Puts != uint64(len(sizes)) || st.BytesOut != in {
		t.Fatalf("stats: puts %d (want %d), bytes out %d (want %d)", st.Puts, len(sizes), st.BytesOut, in)
	}
	// Every shard landed on the owner placement names.
	for id := range chunks {
		owners, _ := s.place(id, c.Layouts()[0])
		for i, o := range owners {
			if _, err := c.node(o).store.Get(ctx, keyOf(id, i)); err != nil {
				t.Fatalf("shard %d of %s missing on owner %s: %v", i, id, o, err)
			}
		}
	}
	// Idempotent: putting again is fine and changes nothing.
	for id, data := range chunks {
		if got, err := s.Put(ctx, data); err != nil || got != id {
			t.Fatalf("re-put %s: %v %s", id, err, got)
		}
		break
	}
}

func TestAnyTwoNodesDown(t *testing.T) {
	c := newCluster(t, 6, 3, p42)
	s := newService(t, c, testConfig())
	chunks := putAll(t, s, rand.New(rand.NewPCG(3, 4)), 12, 256<<10)
	for i := range c.order {
		for j := i + 1; j < len(c.order); j++ {
			c.setDown(true, c.order[i], c.order[j])
			getAll(t, s, chunks, "down "+string(c.order[i])+","+string(c.order[j]))
			c.allUp()
		}
	}
	// The same with stale gossip: the topology believes the nodes alive, so
	// the service learns of the failure from the error and asks parity at once.
	c.blind.Store(true)
	c.setDown(true, c.order[0], c.order[3])
	start := time.Now()
	getAll(t, s, chunks, "blind")
	if el := time.Since(start); el > time.Duration(len(chunks))*testConfig().HedgeDelay {
		t.Fatalf("reads with failing owners took %v: parity was not asked on error", el)
	}
	if s.Stats().Reconstructions == 0 {
		t.Fatal("no reconstruction counted with two nodes down")
	}
}

func TestSiteDown(t *testing.T) {
	c := newCluster(t, 6, 3, p42)
	s := newService(t, c, testConfig())
	chunks := putAll(t, s, rand.New(rand.NewPCG(5, 6)), 12, 256<<10)
	for _, site := range c.Layouts()[0].Sites() {
		var ids []layout.NodeID
		for _, n := range c.Layouts()[0].Nodes {
			if n.Site == site {
				ids = append(ids, n.ID)
			}
		}
		c.setDown(true, ids...)
		getAll(t, s, chunks, "site "+site+" down")
		c.allUp()
	}
}

// TestThreeNodesDown: with 6 nodes and 4+2 every node owns a shard of every
// chunk, so three down leaves 3 < K: writes must fail and reads must say the
// chunk is unavailable (not unknown). With 9 nodes, chunks that keep K shards
// stay readable and writes succeed exactly when K+1 owners are up.
func TestThreeNodesDown(t *testing.T) {
	ctx := context.Background()
	t.Run("6nodes", func(t *testing.T) {
		c := newCluster(t, 6, 3, p42)
		s := newService(t, c, testConfig())
		chunks := putAll(t, s, rand.New(rand.NewPCG(7, 8)), 6, 64<<10)
		c.setDown(true, c.order[0], c.order[2], c.order[4])
		for _, blind := range []bool{false, true} {
			c.blind.Store(blind)
			before := s.Stats().Puts
			if _, err := s.Put(ctx, []byte("three down, blind="+map[bool]string{true: "y", false: "n"}[blind])); !errors.Is(err, ErrInsufficientShards) {
				t.Fatalf("blind=%v: put with 3 of 6 down: %v, want ErrInsufficientShards", blind, err)
			}
			if s.Stats().Puts != before {
				t.Fatal("a failed put was counted as a success")
			}
			for id := range chunks {
				_, err := s.Get(ctx, id)
				if !errors.Is(err, ErrInsufficientShards) || errors.Is(err, model.ErrNotFound) {
					t.Fatalf("blind=%v: get with 3 shards: %v, want ErrInsufficientShards", blind, err)
				}
				break
			}
		}
		c.blind.Store(false)
		c.allUp()
		getAll(t, s, chunks, "back up")
	})
	t.Run("9nodes", func(t *testing.T) {
		c := newCluster(t, 9, 3, p42)
		s := newService(t, c, testConfig())
		r := rand.New(rand.NewPCG(9, 10))
		chunks := putAll(t, s, r, 30, 32<<10)
		down := map[layout.NodeID]bool{c.order[0]: true, c.order[1]: true, c.order[2]: true}
		for id := range down {
			c.setDown(true, id)
		}
		alive := func(id chunk.ID) int {
			owners, _ := s.place(id, c.Layouts()[0])
			n := 0
			for _, o := range owners {
				if !down[o] {
					n++
				}
			}
			return n
		}
		readable, unreadable := 0, 0
		for id, want := range chunks {
			got, err := s.Get(ctx, id)
			if alive(id) >= p42.K {
				readable++
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("chunk with %d live shards: %v", alive(id), err)
				}
			} else {
				unreadable++
				if !errors.Is(err, ErrInsufficientShards) {
					t.Fatalf("chunk with %d live shards: %v, want ErrInsufficientShards", alive(id), err)
				}
			}
		}
		ok, failed := 0, 0
		for range 30 {
			data := randBytes(r, 1000)
			_, err := s.Put(ctx, data)
			if alive(chunk.Sum(data)) >= p42.K+1 {
				ok++
				if err != nil {
					t.Fatalf("put with %d live owners: %v", alive(chunk.Sum(data)), err)
				}
			} else {
				failed++
				if !errors.Is(err, ErrInsufficientShards) {
					t.Fatalf("put with %d live owners: %v, want ErrInsufficientShards", alive(chunk.Sum(data)), err)
				}
			}
		}
		t.Logf("reads: %d readable, %d not; writes: %d ok, %d failed", readable, unreadable, ok, failed)
		if readable == 0 || ok == 0 || failed == 0 {
			t.Fatal("the seed no longer exercises both outcomes; pick another")
		}
	})
}

func TestUnknownAndPartial(t *testing.T) {
	ctx := context.Background()
	c := newCluster(t, 6, 3, p42)
	s := newService(t, c, testConfig())
	_, err := s.Get(ctx, chunk.Sum([]byte("never stored")))
	if !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("unknown id: %v, want model.ErrNotFound", err)
	}
	// One node down: still a definite "unknown". More than M owners down:
	// the service cannot tell, and must not claim the chunk does not exist.
	c.setDown(true, c.order[1])
	if _, err := s.Get(ctx, chunk.Sum([]byte("never stored"))); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("unknown id, one node down: %v, want model.ErrNotFound", err)
	}
	c.setDown(true, c.order[2], c.order[3])
	_, err = s.Get(ctx, chunk.Sum([]byte("never stored")))
	if !errors.Is(err, ErrUnavailable) || errors.Is(err, model.ErrNotFound) {
		t.Fatalf("unknown id, three nodes down: %v, want ErrUnavailable", err)
	}
	c.allUp()
	// A chunk with 3 of its 6 shards left is unavailable, not unknown.
	data := []byte("partially lost")
	id, err := s.Put(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	settle(t, s)
	owners, _ := s.place(id, c.Layouts()[0])
	for i := range 3 {
		if err := c.node(owners[i]).store.Delete(ctx, keyOf(id, i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Get(ctx, id); !errors.Is(err, ErrInsufficientShards) || errors.Is(err, model.ErrNotFound) {
		t.Fatalf("3 of 6 shards: %v, want ErrInsufficientShards", err)
	}
}

func TestEdgeCases(t *testing.T) {
	ctx := context.Background()
	c := newCluster(t, 6, 3, p42)
	cfg := testConfig()
	cfg.MaxChunkSize = 1 << 20
	s := newService(t, c, cfg)
	id, err := s.Put(ctx, nil)
	if err != nil || id != chunk.Sum(nil) {
		t.Fatalf("empty put: %s %v", id, err)
	}
	got, err := s.Get(ctx, id)
	if err != nil || len(got) != 0 {
		t.Fatalf("empty get: %d bytes, %v", len(got), err)
	}
	if _, err := s.Put(ctx, make([]byte, 1<<20+1)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized put: %v", err)
	}
	if _, err := s.Put(ctx, make([]byte, 1<<20)); err != nil {
		t.Fatalf("max-size put: %v", err)
	}
	bad := DefaultConfig()
	bad.HedgeDelay = -1
	if _, err := New(bad, c, c); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("bad config: %v", err)
	}
	if err := (Config{}).Validate(); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("zero config validates: %v", err)
	}
	zero, err := New(Config{}, c, c) // zero fields take the defaults
	if err != nil {
		t.Fatalf("zero config: %v", err)
	}
	if zero.cfg.MaxChunkSize != DefaultConfig().MaxChunkSize || zero.cfg.HedgeDelay != DefaultConfig().HedgeDelay {
		t.Fatalf("zero config not defaulted: %+v", zero.cfg)
	}
	_ = zero.Close()
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	c.setLayouts()
	if _, err := s.Put(ctx, []byte("x")); !errors.Is(err, ErrNoLayout) {
		t.Fatalf("no layout: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, id); !errors.Is(err, ErrClosed) {
		t.Fatalf("get after close: %v", err)
	}
	if _, err := s.Put(ctx, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("put after close: %v", err)
	}
}
