package durability_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/durability"
	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/shard"
)

func fsck(t *testing.T, c *tcluster, via string) durability.FsckReport {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rep, err := c.nodes[via].dur.Fsck(ctx, durability.FsckOptions{})
	if err != nil {
		t.Fatalf("fsck: %v", err)
	}
	return rep
}

func wantHealthy(t *testing.T, rep durability.FsckReport, chunks int) {
	t.Helper()
	if rep.Chunks < chunks || rep.Healthy != rep.Chunks || !rep.OK() {
		t.Fatalf("fsck not healthy: %+v", rep)
	}
}

// Kill a node of a 4-node 2+2 cluster: after the repair delay every chunk is
// rebuilt where placement without the node puts it, and once the node is
// removed from the layout fsck is 100% healthy and every file reads back.
func TestRepairAfterNodeLoss(t *testing.T) {
	ctx := context.Background()
	c := newTCluster(t, 4, layout.Policy{K: 2, M: 2}, testConfig())
	files := randomFiles(1, 30, 8<<10)
	c.commitBundle(ctx, "n1", "data", files)
	rep := fsck(t, c, "n1")
	wantHealthy(t, rep, len(files))

	c.kill("n4")
	// Before the delay nothing is rebuilt: n4 may come back.
	res := c.passes(ctx, 1)
	if res.Rebuilt != 0 {
		t.Fatalf("rebuilt %d shards before the repair delay", res.Rebuilt)
	}
	if rep := fsck(t, c, "n1"); rep.Degraded == 0 || rep.Lost != 0 {
		t.Fatalf("want degraded, nothing lost: %+v", rep)
	}
	time.Sleep(400 * time.Millisecond)
	res = c.passes(ctx, 4)
	if res.Rebuilt == 0 {
		t.Fatalf("nothing rebuilt after the delay: %+v", res)
	}
	// The survivors keep the shard indexes they hold (the effective layout
	// carries the full one as history): only n4's shards are rebuilt,
	// nothing is handed between survivors.
	if res.Moved != 0 {
		t.Fatalf("%d shards moved between surviving nodes: %+v", res.Moved, res)
	}
	if err := c.metaOf("n1").RemoveNode(ctx, "n4"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "layout without n4", func() bool {
		for _, id := range c.live() {
			if _, ok := c.metaOf(id).Layout().Node("n4"); ok {
				return false
			}
		}
		return true
	})
	// Removing n4 makes the layout what repair already placed for: nothing
	// left to rebuild or move.
	if res := c.passes(ctx, 4); res.Moved != 0 || res.Rebuilt != 0 {
		t.Fatalf("after removing n4: %+v", res)
	}
	wantHealthy(t, fsck(t, c, "n2"), len(files))
	for _, f := range files {
		got, err := c.nodes["n3"].cas.Get(ctx, chunk.Sum(f))
		if err != nil || !bytes.Equal(got, f) {
			t.Fatalf("read back: %v", err)
		}
	}
}

// The repair scanner honours the rate: rebuilding B bytes at R bytes/s
// takes at least about B/R.
func TestRepairRateLimit(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig()
	cfg.RepairRate = 256 << 10
	c := newTCluster(t, 4, layout.Policy{K: 2, M: 2}, cfg)
	files := randomFiles(2, 24, 32<<10)
	c.commitBundle(ctx, "n1", "data", files)
	c.kill("n4")
	time.Sleep(400 * time.Millisecond)
	start := time.Now()
	res := c.passes(ctx, 4)
	el := time.Since(start)
	if res.Rebuilt == 0 {
		t.Fatal("nothing rebuilt")
	}
	// Three nodes each pace their own writes; each bucket starts full (burst rate/10).
	floor := time.Duration(float64(res.Bytes-3*int64(cfg.RepairRate/10)) / float64(3*cfg.RepairRate) * float64(time.Second))
	t.Logf("rebuilt %d shards, %d bytes in %v (%.2f MB/s at %d B/s per node)", res.Rebuilt, res.Bytes, el,
		float64(res.Bytes)/1e6/el.Seconds(), cfg.RepairRate)
	if el < floor {
		t.Fatalf("repair took %v, rate limit implies at least %v", el, floor)
	}
	st := c.nodes["n1"].dur.LocalStatus()
	if st.Repair.Passes == 0 || st.Repair.RateBytes != cfg.RepairRate {
		t.Fatalf("status: %+v", st.Repair)
	}
}

// The cluster-wide repair rate is recorded in Raft and picked up by nodes
// without their own override.
func TestClusterRepairRateSetting(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig()
	cfg.SettingsInterval = 50 * time.Millisecond
	c := newTCluster(t, 3, layout.Policy{K: 2, M: 1}, cfg)
	if got := c.nodes["n2"].dur.RepairRate(); got != durability.DefaultRepairRate {
		t.Fatalf("default rate %d", got)
	}
	if err := c.metaOf("n1").SetRepairRate(ctx, 12345); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "rate on every node", func() bool {
		for _, id := range c.ids {
			if c.nodes[id].dur.RepairRate() != 12345 {
				return false
			}
		}
		return true
	})
}

// Drain: capacity 0 in a new layout version; the drained node's shards move
// (copied, then deleted), fsck is healthy, old layouts are retired once every
// node reported, and the node can be removed with nothing lost.
func TestDrain(t *testing.T) {
	ctx := context.Background()
	c := newTCluster(t, 4, layout.Policy{K: 2, M: 2}, testConfig())
	files := randomFiles(3, 30, 8<<10)
	c.commitBundle(ctx, "n1", "data", files)
	held := c.nodes["n4"].st().Stats().Shards
	if held == 0 {
		t.Fatal("n4 holds nothing to drain")
	}
	if err := c.metaOf("n2").SetNodeCapacity(ctx, "n4", 0); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "drain layout", func() bool {
		for _, id := range c.ids {
			if n, _ := c.metaOf(id).Layout().Node("n4"); n.Capacity != 0 {
				return false
			}
		}
		return true
	})
	c.passes(ctx, 4)
	// A layout change may start a pass on its own before the explicit
	// ones, so count what every node moved since start, not what the
	// explicit passes did.
	var moved uint64
	for _, id := range c.ids {
		moved += c.nodes[id].dur.LocalStatus().Rebalance.MovedShards
	}
	if n := c.nodes["n4"].st().Stats().Shards; n != 0 || moved == 0 {
		t.Fatalf("n4 still holds %d shards after drain (moved %d)", n, moved)
	}
	// Only n4's shards move: the others keep their indexes (layout history).
	if moved != uint64(held) {
		t.Fatalf("drain moved %d shards, n4 held %d", moved, held)
	}
	wantHealthy(t, fsck(t, c, "n1"), len(files))
	c.passes(ctx, 1) // every node reports; the last one retires
	waitFor(t, 10*time.Second, "old layouts retired", func() bool {
		c.passes(ctx, 1)
		return len(c.metaOf("n1").Layouts()) == 1
	})
	c.kill("n4")
	if err := c.metaOf("n1").RemoveNode(ctx, "n4"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "layout without n4", func() bool {
		_, ok := c.metaOf("n1").Layout().Node("n4")
		return !ok
	})
	wantHealthy(t, fsck(t, c, "n1"), len(files))
	cs, err := c.nodes["n1"].dur.Status(ctx)
	if err != nil || len(cs.Nodes) != 4 {
		t.Fatalf("status: %v %+v", err, cs)
	}
}

// A shard deleted behind the system's back on a live node is rebuilt by the
// holder of the lowest surviving index, and only once.
func TestRepairMissingShardOnLiveNode(t *testing.T) {
	ctx := context.Background()
	c := newTCluster(t, 4, layout.Policy{K: 2, M: 2}, testConfig())
	f := randomFiles(4, 1, 16<<10)[0]
	id, err := c.nodes["n1"].cas.Put(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	owners, err := shard.Place(id, c.metaOf("n1").Layout())
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "all shards written", func() bool {
		for i, o := range owners {
			if has, _ := c.nodes[string(o)].st().Has(ctx, []shard.Key{{Chunk: id, Index: uint8(i)}}); !has[0] {
				return false
			}
		}
		return true
	})
	k := shard.Key{Chunk: id, Index: 1}
	if err := c.nodes[string(owners[1])].st().Delete(ctx, k); err != nil {
		t.Fatal(err)
	}
	if res := c.passes(ctx, 1); res.Rebuilt != 0 {
		t.Fatal("rebuilt a just-written chunk (its writes may be in flight)")
	}
	time.Sleep(400 * time.Millisecond) // older than the repair delay
	res := c.passes(ctx, 3)
	if res.Rebuilt != 1 {
		t.Fatalf("rebuilt %d shards, want exactly 1", res.Rebuilt)
	}
	if has, _ := c.nodes[string(owners[1])].st().Has(ctx, []shard.Key{k}); !has[0] {
		t.Fatal("shard not rebuilt on its owner")
	}
}
