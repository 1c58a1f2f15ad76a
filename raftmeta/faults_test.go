package raftmeta_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
)

// The leader is partitioned away: the majority elects a new leader and
// accepts writes; the old leader must not serve a stale read nor accept a
// write; after healing everything converges.
func TestPartitionedLeaderServesNoStaleReads(t *testing.T) {
	c := raftmetatest.New(t, 5, raftmetatest.Options{Sites: []string{"a", "b", "c"}, Voters: 5})
	old := waitReady(t, c)
	ctx := testCtx(t, 60*time.Second)
	if err := raftmetatest.WaitFor(10*time.Second, func() error {
		st, err := c.Meta(old).Status(ctx)
		if err != nil || len(st.Voters) != 5 {
			return fmt.Errorf("voters %v %v", st.Voters, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err) // Voters: 5 with 5 servers
	}
	mkRepo(t, ctx, c.Meta(old), "p")
	b0 := commit(t, ctx, c.Meta(old), "p", "before")

	c.Isolate(old)
	var majority []string
	for _, id := range c.Running() {
		if id != old {
			majority = append(majority, id)
		}
	}
	newLeader, err := c.Leader(10*time.Second, majority...)
	if err != nil {
		t.Fatal(err)
	}
	b1 := commit(t, ctx, c.Meta(majority[0]), "p", "during", b0.ID)

	// the old leader: linearizable reads and writes fail (bounded wait)
	short, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
	lb, err := c.Meta(old).LatestBundle(short, model.DefaultContext, "p")
	cancel()
	if err == nil {
		t.Fatalf("isolated old leader served a read: %s (newest is %s)", lb.ID, b1.ID)
	}
	short, cancel = context.WithTimeout(ctx, 1500*time.Millisecond)
	_, err = c.Meta(old).CommitBundle(short, model.Bundle{Context: model.DefaultContext, Repo: "p", Message: "lost?"}, nil)
	cancel()
	if err == nil {
		t.Fatal("isolated old leader acknowledged a write")
	}
	// explicit stale reads are allowed and show the old state
	if lb, err := c.Meta(old).LatestBundle(raftmetaStale(ctx), model.DefaultContext, "p"); err != nil || lb.ID != b0.ID {
		t.Fatalf("stale read on old leader: %s %v", lb.ID, err)
	}

	c.Heal()
	// a linearizable read on the old leader now sees b1 (and the write
	// that timed out, if it committed after all, at most once)
	if err := raftmetatest.WaitFor(10*time.Second, func() error {
		s, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		bs, err := c.Meta(old).ListBundles(s, model.DefaultContext, "p")
		if err != nil {
			return err
		}
		if len(bs) < 2 || bs[1].ID != b1.ID {
			return fmt.Errorf("bundles %v", bs)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Converged(ctx, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	_ = newLeader
}

// Kill and restart nodes (crash-clone of their Pebble filesystems while a
// workload runs): every acknowledged commit is present exactly once on
// every node afterwards and all state hashes are equal.
func TestCrashRestartKeepsAcknowledgedWritesExactlyOnce(t *testing.T) {
	c := raftmetatest.New(t, 3, raftmetatest.Options{SnapshotThreshold: 40, TrailingLogs: 10})
	leader := waitReady(t, c)
	ctx := testCtx(t, 60*time.Second)
	mkRepo(t, ctx, c.Meta(leader), "w")

	var mu sync.Mutex
	acked := map[string]int{} // message -> count of acks
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := c.IDs()[(w+i)%3]
				m := c.Meta(id)
				if m == nil {
					time.Sleep(10 * time.Millisecond)
					continue
				}
				msg := fmt.Sprintf("w%d-%d", w, i)
				opCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
				_, err := m.CommitBundle(opCtx, model.Bundle{Context: model.DefaultContext, Repo: "w", Message: msg}, nil)
				cancel()
				if err == nil {
					mu.Lock()
					acked[msg]++
					mu.Unlock()
				}
			}
		}(w)
	}
	time.Sleep(300 * time.Millisecond)
	for round := 0; round < 3; round++ {
		victim := c.IDs()[round%3]
		if round == 1 {
			if l, err := c.Leader(5 * time.Second); err == nil {
				victim = l // crash the leader too
			}
		}
		c.Crash(victim)
		time.Sleep(400 * time.Millisecond)
		c.Restart(victim)
		time.Sleep(400 * time.Millisecond)
	}
	close(stop)
	wg.Wait()

	if _, err := c.Leader(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if len(acked) < 10 {
		t.Fatalf("only %d acknowledged writes: workload did not run", len(acked))
	}
	for _, id := range c.Running() {
		bs, err := c.Meta(id).ListBundles(ctx, model.DefaultContext, "w")
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		seen := map[string]int{}
		for i, b := range bs {
			seen[b.Message]++
			if i > 0 && !(bs[i-1].ID < b.ID && !b.Timestamp.Before(bs[i-1].Timestamp)) {
				t.Fatalf("%s: bundles out of order at %d", id, i)
			}
		}
		for msg, n := range acked {
			if n != 1 || seen[msg] != 1 {
				t.Fatalf("%s: %s acked %d times, present %d times", id, msg, n, seen[msg])
			}
		}
		for msg, n := range seen {
			if n != 1 {
				t.Fatalf("%s: %s present %d times", id, msg, n)
			}
		}
	}
	if _, err := c.Converged(ctx, 15*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestCloseIsIdempotentAndFailsCalls(t *testing.T) {
	c := raftmetatest.New(t, 1, raftmetatest.Options{})
	waitReady(t, c)
	m := c.Meta("n1")
	c.Stop("n1")
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := m.GetContext(context.Background(), model.DefaultContext); err == nil {
		t.Fatal("read after close succeeded")
	}
	if _, err := m.StateHash(context.Background()); !errors.Is(err, raftmetaErrClosed) {
		t.Fatalf("StateHash after close: %v", err)
	}
}
