package durability_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/durability"
	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/shard"
)

// corrupt flips one payload byte of the stored shard k on node nd, below the
// store (bit rot): the store is closed, Pebble edited directly, then reopened.
func (c *tcluster) corrupt(nd *tnode, k shard.Key) {
	c.t.Helper()
	nd.mu.Lock()
	defer nd.mu.Unlock()
	if err := nd.store.Close(); err != nil {
		c.t.Fatal(err)
	}
	db, err := pebble.Open("/shards", &pebble.Options{FS: nd.fs, FormatMajorVersion: pebble.FormatNewest})
	if err != nil {
		c.t.Fatal(err)
	}
	ik := append(append([]byte{'i'}, k.Chunk[:]...), k.Index)
	v, closer, err := db.Get(ik)
	if err != nil {
		c.t.Fatal(err)
	}
	dk := append([]byte{'d'}, v[1:9]...) // index value: version, seq(8), ...
	closer.Close()
	data, closer, err := db.Get(dk)
	if err != nil {
		c.t.Fatal(err)
	}
	bad := bytes.Clone(data)
	closer.Close()
	bad[len(bad)/2] ^= 0x5a
	if err := db.Set(dk, bad, pebble.Sync); err != nil {
		c.t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		c.t.Fatal(err)
	}
	if nd.store, err = shard.Open(shard.StoreConfig{Dir: "/shards", FS: nd.fs}); err != nil {
		c.t.Fatal(err)
	}
	_ = binary.BigEndian // index value layout documented in shard/key.go
}

// Corrupt shards on two nodes: scrub finds each one and rewrites it from the
// other shards.
func TestScrubRepairsCorruptShards(t *testing.T) {
	ctx := context.Background()
	c := newTCluster(t, 4, layout.Policy{K: 2, M: 2}, testConfig())
	files := randomFiles(5, 10, 8<<10)
	c.commitBundle(ctx, "n1", "data", files)
	var victims []shard.Key
	for _, id := range []string{"n2", "n3"} {
		nd := c.nodes[id]
		var k shard.Key
		// Different chunks: a read of one chunk must not repair the other's
		// shard on the way (cas rewrites corrupt shards it meets).
		if err := nd.st().IterateSeq(ctx, func(key shard.Key, _ shard.SeqInfo) error {
			if len(victims) > 0 && victims[0].Chunk == key.Chunk {
				return nil
			}
			k = key
			return errStop
		}); err != errStop {
			t.Fatal(err)
		}
		c.corrupt(nd, k)
		if _, err := nd.st().Get(ctx, k); !errorsIs(err, shard.ErrCorrupt) {
			t.Fatalf("corruption not detected: %v", err)
		}
		victims = append(victims, k)
	}
	for i, id := range []string{"n2", "n3"} {
		res, err := c.nodes[id].dur.ScrubPass(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.Corrupt != 1 || res.Repaired != 1 || res.Scanned == 0 {
			t.Fatalf("scrub on %s: %+v", id, res)
		}
		if _, err := c.nodes[id].st().Get(ctx, victims[i]); err != nil {
			t.Fatalf("shard still bad after scrub: %v", err)
		}
		if st := c.nodes[id].dur.LocalStatus(); st.Scrub.CorruptFound != 1 || st.Scrub.Passes != 1 {
			t.Fatalf("scrub status %+v", st.Scrub)
		}
	}
	wantHealthy(t, fsck(t, c, "n1"), len(files))
}

// Delete a repo sharing chunks with another: gc frees exactly the unshared
// chunks; a fresh unreferenced chunk is protected by the grace period; the
// other repo still reads back and fsck stays healthy.
func TestGCDeletedRepo(t *testing.T) {
	ctx := context.Background()
	c := newTCluster(t, 4, layout.Policy{K: 2, M: 2}, testConfig())
	shared := randomFiles(6, 5, 8<<10)
	unique := randomFiles(7, 6, 8<<10)
	c.commitBundle(ctx, "n1", "keep", shared)
	c.commitBundle(ctx, "n2", "gone", append(append([][]byte{}, shared...), unique...))
	m := c.metaOf("n1")
	if err := m.DeleteRepo(ctx, model.DefaultContext, "gone"); err != nil {
		t.Fatal(err)
	}
	// The unique file chunks plus the deleted bundle's manifest pages.
	before := totalShards(c)

	dry, err := c.nodes["n3"].dur.GC(ctx, durability.GCOptions{DryRun: true, Grace: -1})
	if err != nil {
		t.Fatal(err)
	}
	if dry.Chunks < len(unique) || dry.Shards < int64(4*len(unique)) || totalShards(c) != before {
		t.Fatalf("dry run: %+v (shards %d -> %d)", dry, before, totalShards(c))
	}
	// With the default grace period (1h) nothing this young is deleted.
	young, err := c.nodes["n3"].dur.GC(ctx, durability.GCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if young.Shards != 0 || young.Protected != dry.Shards {
		t.Fatalf("grace period did not protect young shards: %+v", young)
	}
	rep, err := c.nodes["n3"].dur.GC(ctx, durability.GCOptions{Grace: -1})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Shards != dry.Shards || rep.Chunks != dry.Chunks || totalShards(c) != before-rep.Shards {
		t.Fatalf("gc: %+v, dry %+v, shards %d -> %d", rep, dry, before, totalShards(c))
	}
	for _, f := range unique {
		if has, _ := c.nodes["n1"].cas.Has(ctx, []chunk.ID{chunk.Sum(f)}); has[0] {
			t.Fatal("unique chunk of the deleted repo survived gc")
		}
	}
	for _, f := range shared {
		got, err := c.nodes["n4"].cas.Get(ctx, chunk.Sum(f))
		if err != nil || !bytes.Equal(got, f) {
			t.Fatalf("shared chunk lost: %v", err)
		}
	}
	wantHealthy(t, fsck(t, c, "n2"), len(shared))
	// Nothing left to collect.
	again, err := c.nodes["n1"].dur.GC(ctx, durability.GCOptions{Grace: -1})
	if err != nil || again.Shards != 0 {
		t.Fatalf("second gc: %v %+v", err, again)
	}
}

// A chunk written after the fence is never swept, even with no grace and
// no reference: the fence is taken before the mark, the sweep comes after.
func TestGCFenceProtectsNewWrites(t *testing.T) {
	ctx := context.Background()
	c := newTCluster(t, 3, layout.Policy{K: 2, M: 1}, testConfig())
	old, err := c.nodes["n1"].cas.Put(ctx, randomFiles(8, 1, 4<<10)[0])
	if err != nil {
		t.Fatal(err)
	}
	fences := map[string][]byte{}
	for _, id := range c.ids {
		out, err := c.nodes[id].dur.Handlers()["/internal/durability/gc-fence"](ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		fences[id] = out
	}
	// The upload in flight: written after the fences, not referenced by the mark.
	fresh, err := c.nodes["n2"].cas.Put(ctx, randomFiles(9, 1, 4<<10)[0])
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "background writes", func() bool { return c.nodes["n2"].cas.Stats().WritesInFlight == 0 })
	for _, id := range c.ids {
		var f struct{ Seq uint64 }
		if err := json.Unmarshal(fences[id], &f); err != nil {
			t.Fatal(err)
		}
		req, _ := json.Marshal(map[string]any{"fence": f.Seq, "grace": 0, "dry_run": false, "marked": []byte{}})
		if _, err := c.nodes[id].dur.Handlers()["/internal/durability/gc-sweep"](ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	if has, _ := c.nodes["n3"].cas.Has(ctx, []chunk.ID{old, fresh}); has[0] || !has[1] {
		t.Fatalf("want old swept, fresh kept: %v", has)
	}
}

func totalShards(c *tcluster) int64 {
	var n int64
	for _, id := range c.live() {
		n += c.nodes[id].st().Stats().Shards
	}
	return n
}
