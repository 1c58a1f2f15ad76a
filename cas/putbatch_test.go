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
	"github.com/datamon-io/datamon/shard"
)

// TestPutBatch: a batch makes one call per owner node, every chunk reads
// back, a node down leaves chunks with K+1 shards acknowledged and queued for
// repair, and too many nodes down fails the batch without counting it.
func TestPutBatch(t *testing.T) {
	ctx := context.Background()
	c := newCluster(t, 6, 3, p42)
	s := newService(t, c, testConfig())
	r := rand.New(rand.NewPCG(11, 12))
	var data [][]byte
	for range 40 {
		data = append(data, randBytes(r, r.IntN(8<<10)))
	}
	data = append(data, nil, data[0]) // empty chunk, duplicate
	ids, err := s.PutBatch(ctx, data)
	if err != nil || len(ids) != len(data) {
		t.Fatalf("put batch: %d ids, %v", len(ids), err)
	}
	chunks := map[chunk.ID][]byte{}
	for i, d := range data {
		if ids[i] != chunk.Sum(d) {
			t.Fatalf("id %d is %s, want %s", i, ids[i], chunk.Sum(d))
		}
		chunks[ids[i]] = d
	}
	getAll(t, s, chunks, "after batch")
	// PutBatch returns once every chunk has K+1 durable shards; the last
	// node's call may still be in flight (a straggler), so count once the
	// calls have settled.
	calls := func() (n int64) {
		for _, id := range c.order {
			n += c.node(id).batches.Load()
		}
		return n
	}
	waitFor(t, 5*time.Second, "one PutShards call per node", func() bool { return calls() >= int64(len(c.order)) })
	time.Sleep(50 * time.Millisecond) // a second call per node would show up by now
	if n := calls(); n != int64(len(c.order)) {
		t.Fatalf("%d PutShards calls for %d nodes, want one each", n, len(c.order))
	}
	if st := s.Stats(); st.Puts != uint64(len(chunks)) {
		t.Fatalf("stats count %d puts, want %d", st.Puts, len(chunks))
	}

	// One node down: 5 of 6 shards >= K+1 — acknowledged, the missing
	// shards are queued and land once the node is back.
	c.setDown(true, c.order[1])
	more := [][]byte{[]byte("degraded one"), []byte("degraded two")}
	if _, err := s.PutBatch(ctx, more); err != nil {
		t.Fatalf("one node down: %v", err)
	}
	c.allUp()
	deadline := time.Now().Add(10 * time.Second)
	for _, d := range more {
		id := chunk.Sum(d)
		owners, _ := s.place(id, c.Layouts()[0])
		for i, o := range owners {
			if o != c.order[1] {
				continue
			}
			for {
				has, _ := c.node(o).store.Has(ctx, []shard.Key{{Chunk: id, Index: uint8(i)}})
				if has[0] {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("shard %d of %s never repaired onto %s", i, id, o)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
	}

	// Two nodes down: 4 < K+1 durable shards: the batch fails, not counted.
	c.setDown(true, c.order[0], c.order[5])
	before := s.Stats().Puts
	if _, err := s.PutBatch(ctx, [][]byte{[]byte("two down")}); !errors.Is(err, ErrInsufficientShards) {
		t.Fatalf("two nodes down: %v, want ErrInsufficientShards", err)
	}
	// Stale gossip: the failure is learned from the calls themselves.
	c.blind.Store(true)
	if _, err := s.PutBatch(ctx, [][]byte{[]byte("two down, blind")}); !errors.Is(err, ErrInsufficientShards) {
		t.Fatalf("two nodes down, blind: %v, want ErrInsufficientShards", err)
	}
	if s.Stats().Puts != before {
		t.Fatal("a failed batch was counted")
	}
	c.blind.Store(false)
	c.allUp()

	// Bad input: an oversized chunk or too many chunks store nothing.
	cfg := testConfig()
	cfg.MaxChunkSize = 1 << 10
	small := newService(t, c, cfg)
	if _, err := small.PutBatch(ctx, [][]byte{[]byte("ok"), make([]byte, 2<<10)}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized chunk in batch: %v", err)
	}
	if _, err := small.PutBatch(ctx, make([][]byte, MaxBatchChunks+1)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("too many chunks: %v", err)
	}
	if has, err := s.Has(ctx, []chunk.ID{chunk.Sum([]byte("ok"))}); err != nil || has[0] {
		t.Fatalf("rejected batch stored a chunk: %v %v", has, err)
	}
}

// TestPutBatchWithoutBatchIO: a ShardIO without PutShards gets Put per chunk.
func TestPutBatchWithoutBatchIO(t *testing.T) {
	c := newCluster(t, 3, 3, layout.Policy{K: 2, M: 1})
	s, err := New(testConfig(), c, plainIO{c})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	data := [][]byte{[]byte("a"), []byte("b")}
	ids, err := s.PutBatch(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		got, err := s.Get(context.Background(), id)
		if err != nil || !bytes.Equal(got, data[i]) {
			t.Fatalf("get %d: %v", i, err)
		}
	}
}

// plainIO hides testCluster's PutShards.
type plainIO struct{ c *testCluster }

func (p plainIO) PutShard(ctx context.Context, n layout.NodeID, k shard.Key, b []byte) error {
	return p.c.PutShard(ctx, n, k, b)
}
func (p plainIO) GetShard(ctx context.Context, n layout.NodeID, k shard.Key) ([]byte, error) {
	return p.c.GetShard(ctx, n, k)
}
func (p plainIO) HasShards(ctx context.Context, n layout.NodeID, keys []shard.Key) ([]bool, error) {
	return p.c.HasShards(ctx, n, keys)
}
