package cas

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/erasure"
)

// TestCorruptInTransit: the owner of data shard 1 returns flipped bytes. The
// read is still correct, the shard is counted and a rewrite is sent.
func TestCorruptInTransit(t *testing.T) {
	ctx := context.Background()
	c := newCluster(t, 6, 3, p42)
	s := newService(t, c, testConfig())
	data := randBytes(rand.New(rand.NewPCG(11, 12)), 300_000)
	id, err := s.Put(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	settle(t, s)
	owners, _ := s.place(id, c.Layouts()[0])
	bad := c.node(owners[1])
	bad.flipGets.Store(true)
	got, err := s.Get(ctx, id)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("get with a corrupt shard: %v", err)
	}
	st := s.Stats()
	if st.CorruptShards != 1 || st.Reconstructions != 1 {
		t.Fatalf("stats: %+v, want 1 corrupt shard and 1 reconstruction", st)
	}
	waitFor(t, 5*time.Second, "rewrite of the corrupt shard", func() bool {
		return s.Pending() == 0 && bad.putsOf(keyOf(id, 1)) == 2 // the put, then the rewrite
	})
}

// TestCorruptSilently: a shard with a valid checksum but the wrong content
// (encoded from other bytes under the same ID) is stored on the owner of
// data shard 0. Only the chunk hash can tell; Get must still return the
// right bytes, count the shard and overwrite it with the right one.
func TestCorruptSilently(t *testing.T) {
	ctx := context.Background()
	c := newCluster(t, 6, 3, p42)
	s := newService(t, c, testConfig())
	r := rand.New(rand.NewPCG(13, 14))
	data := randBytes(r, 1<<20)
	id, err := s.Put(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	settle(t, s)
	codec, err := erasure.New(p42.K, p42.M)
	if err != nil {
		t.Fatal(err)
	}
	liar, err := codec.Encode(id, randBytes(r, len(data)))
	if err != nil {
		t.Fatal(err)
	}
	good, _ := codec.Encode(id, data)
	owners, _ := s.place(id, c.Layouts()[0])
	store := c.node(owners[0]).store
	if err := store.Put(ctx, keyOf(id, 0), liar[0]); err != nil {
		t.Fatal(err)
	}
	if b, _ := store.Get(ctx, keyOf(id, 0)); !bytes.Equal(b, liar[0]) {
		t.Fatal("test setup: the store did not take the lying shard")
	}
	got, err := s.Get(ctx, id)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("get with a lying shard: %v", err)
	}
	if n := s.Stats().CorruptShards; n != 1 {
		t.Fatalf("corrupt shards counted: %d, want 1", n)
	}
	waitFor(t, 5*time.Second, "lying shard overwritten", func() bool {
		b, err := store.Get(ctx, keyOf(id, 0))
		return err == nil && bytes.Equal(b, good[0])
	})
	// Two liars among six: the four honest shards still reproduce the ID.
	if err := c.node(owners[5]).store.Put(ctx, keyOf(id, 5), liar[5]); err != nil {
		t.Fatal(err)
	}
	if err := store.Put(ctx, keyOf(id, 0), liar[0]); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(ctx, id); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("get with two lying shards: %v", err)
	}
	// Every shard lies (a consistent encoding of other bytes): ErrCorrupt.
	for i, o := range owners {
		if err := c.node(o).store.Put(ctx, keyOf(id, i), liar[i]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Get(ctx, id); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("get with only lying shards: %v, want ErrCorrupt", err)
	}
}

// TestHedgedRead: the owner of a data shard answers after 3 s; the hedge to
// parity returns the chunk long before.
func TestHedgedRead(t *testing.T) {
	ctx := context.Background()
	c := newCluster(t, 6, 3, p42)
	s := newService(t, c, testConfig())
	data := randBytes(rand.New(rand.NewPCG(15, 16)), 500_000)
	id, err := s.Put(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	settle(t, s)
	owners, _ := s.place(id, c.Layouts()[0])
	slow := c.node(owners[2])
	slow.delay.Store(int64(3 * time.Second))
	start := time.Now()
	got, err := s.Get(ctx, id)
	el := time.Since(start)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("hedged get: %v", err)
	}
	if el > time.Second {
		t.Fatalf("hedged get took %v; the slow node answers after 3s", el)
	}
	if el < testConfig().HedgeDelay {
		t.Fatalf("get took %v, less than the hedge delay: the slow shard was not asked first?", el)
	}
	if st := s.Stats(); st.HedgedReads != 1 || st.Reconstructions != 1 {
		t.Fatalf("stats: %+v, want one hedged read and one reconstruction", st)
	}
}

// TestBackgroundCompletion: a put with one owner down succeeds (5 of 6), the
// missing shard waits in the repair queue and lands when the node is back.
// With a slow owner the put returns without waiting for it.
func TestBackgroundCompletion(t *testing.T) {
	ctx := context.Background()
	c := newCluster(t, 6, 3, p42)
	s := newService(t, c, testConfig())
	r := rand.New(rand.NewPCG(17, 18))
	data := randBytes(r, 100_000)
	id := chunk.Sum(data)
	owners, _ := s.place(id, c.Layouts()[0])
	down := c.node(owners[3])
	for _, blind := range []bool{false, true} {
		c.blind.Store(blind)
		down.down.Store(true)
		if _, err := s.Put(ctx, data); err != nil {
			t.Fatalf("blind=%v: put with one owner down: %v", blind, err)
		}
		waitFor(t, 2*time.Second, "failed write queued", func() bool { return s.Pending() == 1 })
		time.Sleep(50 * time.Millisecond) // several retries while down
		if s.Pending() != 1 {
			t.Fatalf("pending %d while the node is down, want 1", s.Pending())
		}
		if ok, _ := down.store.Has(ctx, []shardKey{keyOf(id, 3)}); ok[0] {
			t.Fatal("the down node holds the shard")
		}
		down.down.Store(false)
		waitFor(t, 5*time.Second, "pending to drain", func() bool { return s.Pending() == 0 })
		if b, err := down.store.Get(ctx, keyOf(id, 3)); err != nil || len(b) == 0 {
			t.Fatalf("shard not written after the node came back: %v", err)
		}
		if err := down.store.Delete(ctx, keyOf(id, 3)); err != nil {
			t.Fatal(err)
		}
	}
	c.blind.Store(false)
	if st := s.Stats(); st.DegradedWrites != 2 || st.Repaired < 2 {
		t.Fatalf("stats: %+v, want 2 degraded writes and 2 repairs", st)
	}
	// A slow owner does not hold the put back.
	data = randBytes(r, 100_000)
	owners, _ = s.place(chunk.Sum(data), c.Layouts()[0])
	slow := c.node(owners[0])
	slow.putDelay.Store(int64(time.Second))
	start := time.Now()
	id, err := s.Put(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 700*time.Millisecond {
		t.Fatalf("put waited %v for the slow owner", el)
	}
	if ok, _ := slow.store.Has(ctx, []shardKey{keyOf(id, 0)}); ok[0] {
		t.Fatal("slow shard already there: the test does not test anything")
	}
	waitFor(t, 5*time.Second, "slow shard to land", func() bool {
		ok, _ := slow.store.Has(ctx, []shardKey{keyOf(id, 0)})
		return ok[0]
	})
	if s.Pending() != 0 {
		t.Fatalf("pending %d after a slow but successful write", s.Pending())
	}
}

// TestRepairQueueLimits: a full queue drops (and counts) writes; a write for
// a node that left every layout is abandoned, not retried forever.
func TestRepairQueueLimits(t *testing.T) {
	ctx := context.Background()
	c := newCluster(t, 6, 3, p42)
	cfg := testConfig()
	cfg.MaxPending = 1
	s := newService(t, c, cfg)
	gone := c.order[4]
	c.setDown(true, gone)
	for _, data := range [][]byte{[]byte("first"), []byte("second")} {
		if _, err := s.Put(ctx, data); err != nil {
			t.Fatal(err)
		}
	}
	settleWrites := func() bool { return s.Stats().WritesInFlight == 0 }
	waitFor(t, 5*time.Second, "writes to finish", settleWrites)
	if st := s.Stats(); st.PendingRepairs != 1 || st.DroppedRepairs != 1 || st.DegradedWrites != 2 {
		t.Fatalf("stats: %+v, want 1 pending, 1 dropped, 2 degraded", st)
	}
	l, err := c.Layouts()[0].Without(gone)
	if err != nil {
		t.Fatal(err)
	}
	c.setLayouts(l)
	waitFor(t, 5*time.Second, "abandoned write to leave the queue", func() bool { return s.Pending() == 0 })
	if n := s.Stats().Repaired; n != 0 {
		t.Fatalf("an abandoned write was counted as repaired (%d)", n)
	}
}
