package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/datamon-io/datamon/client"
)

// Kill a node of a 4-node 2+2 cluster for good: after the repair delay the
// survivors rebuild its shards, and once it is removed fsck is 100% healthy
// and every file downloads byte-identical.
func TestDurabilityRepairAfterNodeLoss(t *testing.T) {
	c := startCluster(t, 4, 2, "2+2")
	mustCLI(t, c, "repo", "create", "--repo", "data", "--description", "repair")
	src := t.TempDir()
	files := writeTree(t, src, 1, 40)
	mustCLI(t, c, "bundle", "upload", "--repo", "data", "--path", src, "--message", "m")
	waitHealthy(t, c, 30*time.Second)

	victim := c.Nodes[3].ID
	if err := c.Kill(3); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	pollUntil(t, 60*time.Second, "shards rebuilt after the repair delay", func() bool {
		var rebuilt uint64
		for _, n := range durabilityJSON(t, c).Nodes {
			rebuilt += n.Repair.RebuiltShards
		}
		return rebuilt > 0
	})
	t.Logf("repair started %v after the kill", time.Since(start))
	mustCLI(t, c, "cluster", "remove-node", victim)
	rep := waitHealthy(t, c, 90*time.Second)
	t.Logf("fsck healthy %v after the kill: %+v", time.Since(start), rep)
	checkTree(t, c, "data", files)
}

// Drain a node: every shard moves off it (copy, then delete), fsck stays
// healthy, older layout versions are retired, and the node can be removed
// with nothing lost.
func TestDurabilityDrain(t *testing.T) {
	c := startCluster(t, 4, 1, "2+2")
	mustCLI(t, c, "repo", "create", "--repo", "data", "--description", "drain")
	src := t.TempDir()
	files := writeTree(t, src, 2, 40)
	mustCLI(t, c, "bundle", "upload", "--repo", "data", "--path", src, "--message", "m")
	waitHealthy(t, c, 30*time.Second)
	victim := c.Nodes[3].ID
	if nodeStatus(durabilityJSON(t, c), victim).Shards == 0 {
		t.Fatal("the node to drain holds no shards")
	}
	drain := func() {
		t.Helper()
		mustCLI(t, c, "cluster", "drain", victim)
		pollUntil(t, 90*time.Second, "drained node empty, old layouts retired", func() bool {
			st := durabilityJSON(t, c)
			return nodeStatus(st, victim).Shards == 0 && len(st.LayoutVersions) == 1 && st.RebalanceDone
		})
		waitHealthy(t, c, 30*time.Second)
	}
	drain()
	// Undo it: the node takes shards again and rebalancing moves some back.
	mustCLI(t, c, "cluster", "undrain", victim)
	pollUntil(t, 90*time.Second, "undrained node holds shards again, old layouts retired", func() bool {
		st := durabilityJSON(t, c)
		return nodeStatus(st, victim).Shards > 0 && len(st.LayoutVersions) == 1 && st.RebalanceDone
	})
	waitHealthy(t, c, 30*time.Second)
	if r := cli(t, c, "cluster", "undrain", victim); r.Code == 0 || !strings.Contains(r.Stderr, "not drained") {
		t.Fatalf("undrain of a node that is not drained: exit %d, %s", r.Code, r.Stderr)
	}
	drain()
	mustCLI(t, c, "cluster", "remove-node", victim)
	if err := c.Kill(3); err != nil {
		t.Fatal(err)
	}
	waitHealthy(t, c, 30*time.Second)
	checkTree(t, c, "data", files)
}

// Corrupt shards on one node's disk: scrub finds them and rebuilds them from
// the other shards; fsck --verify (reads every shard) is then healthy.
func TestDurabilityScrub(t *testing.T) {
	c := startCluster(t, 4, 1, "2+2")
	mustCLI(t, c, "repo", "create", "--repo", "data", "--description", "scrub")
	src := t.TempDir()
	files := writeTree(t, src, 3, 30)
	mustCLI(t, c, "bundle", "upload", "--repo", "data", "--path", src, "--message", "m")
	waitHealthy(t, c, 30*time.Second)
	if err := c.Kill(1); err != nil {
		t.Fatal(err)
	}
	n := corruptShards(t, filepath.Join(c.Nodes[1].Dir, "shards"), 3)
	if err := c.Restart(1); err != nil {
		t.Fatal(err)
	}
	id := c.Nodes[1].ID
	last := ""
	defer func() {
		if t.Failed() {
			t.Logf("last durability status: %s", last)
		}
	}()
	pollUntil(t, 3*time.Minute, "scrub repairs", func() bool {
		r := cli(t, c, "cluster", "durability", "--output", "json")
		if last = r.Stdout + r.Stderr; r.Code != 0 {
			return false
		}
		st := durabilityJSON(t, c)
		s := nodeStatus(st, id).Scrub
		return s.CorruptFound >= uint64(n) && s.Repaired >= uint64(n)
	})
	waitHealthy(t, c, 30*time.Second, "--verify")
	checkTree(t, c, "data", files)
}

// corruptShards flips a payload byte in n shards (of different chunks) of a
// stopped node's store, below the shard store (bit rot).
func corruptShards(t *testing.T, dir string, n int) int {
	t.Helper()
	db, err := pebble.Open(dir, &pebble.Options{FormatMajorVersion: pebble.FormatNewest, Logger: quietPebble{t}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: []byte{'i'}, UpperBound: []byte{'j'}})
	if err != nil {
		t.Fatal(err)
	}
	var dataKeys [][]byte
	var lastChunk []byte
	for ok := it.First(); ok && len(dataKeys) < n; ok = it.Next() {
		k, v := it.Key(), it.Value()
		if lastChunk != nil && bytes.Equal(k[1:33], lastChunk) {
			continue
		}
		lastChunk = bytes.Clone(k[1:33])
		dataKeys = append(dataKeys, append([]byte{'d'}, v[1:9]...)) // index value: version, seq(8), ...
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	for _, dk := range dataKeys {
		v, closer, err := db.Get(dk)
		if err != nil {
			t.Fatal(err)
		}
		bad := bytes.Clone(v)
		closer.Close()
		bad[len(bad)/2] ^= 0xa5
		if err := db.Set(dk, bad, pebble.Sync); err != nil {
			t.Fatal(err)
		}
	}
	if len(dataKeys) == 0 {
		t.Fatal("no shards to corrupt")
	}
	return len(dataKeys)
}

// Delete a repo that shares chunks with another: gc frees exactly its unique
// chunks, keeps the shared ones, and the other repo still downloads.
func TestDurabilityGC(t *testing.T) {
	c := startCluster(t, 4, 1, "2+2")
	shared, gone, keep := t.TempDir(), t.TempDir(), t.TempDir()
	sharedFiles := writeTree(t, shared, 4, 10)
	uniqueFiles := writeTree(t, gone, 5, 12)
	keepFiles := writeTree(t, keep, 6, 5)
	for name, b := range sharedFiles {
		writeFile(t, filepath.Join(gone, name), b)
		writeFile(t, filepath.Join(keep, name), b)
		keepFiles[name] = b
	}
	mustCLI(t, c, "repo", "create", "--repo", "gone", "--description", "to delete")
	mustCLI(t, c, "repo", "create", "--repo", "keep", "--description", "kept")
	mustCLI(t, c, "bundle", "upload", "--repo", "gone", "--path", gone, "--message", "m")
	mustCLI(t, c, "bundle", "upload", "--repo", "keep", "--path", keep, "--message", "m")
	waitHealthy(t, c, 30*time.Second)

	// Nothing is garbage yet.
	if out := mustCLI(t, c, "gc", "--dry-run", "--grace", "0s"); !strings.HasPrefix(out, "reclaimable: 0 chunks") {
		t.Fatalf("gc dry run before delete: %s", out)
	}
	mustCLI(t, c, "repo", "delete", "--repo", "gone", "--force-yes")
	// The default grace period (1h) protects everything this young.
	if out := mustCLI(t, c, "gc"); !strings.HasPrefix(out, "reclaimed: 0 chunks") {
		t.Fatalf("gc with default grace: %s", out)
	}
	dry := mustCLI(t, c, "gc", "--dry-run", "--grace", "0s")
	out := mustCLI(t, c, "gc", "--grace", "0s")
	t.Logf("dry run: %s\ngc: %s", dry, out)
	if strings.HasPrefix(out, "reclaimed: 0 chunks") || !strings.HasPrefix(dry, "reclaimable:") {
		t.Fatalf("gc reclaimed nothing: %s", out)
	}
	cl, err := c.Client()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	has, err := cl.HasChunks(ctx, chunkIDs(uniqueFiles))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range has {
		if h {
			t.Fatal("a chunk unique to the deleted repo survived gc")
		}
	}
	has, err = cl.HasChunks(ctx, chunkIDs(sharedFiles))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range has {
		if !h {
			t.Fatal("a shared chunk was collected")
		}
	}
	waitHealthy(t, c, 30*time.Second)
	checkTree(t, c, "keep", keepFiles)
	metrics, err := cl.Metrics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"datamon_gc_deleted_shards_total", "datamon_repair_rate_bytes", "datamon_scrub_passes_total"} {
		if !strings.Contains(string(metrics), name) {
			t.Fatalf("/metrics lacks %s", name)
		}
	}
	if out := mustCLI(t, c, "gc", "--grace", "0s"); !strings.HasPrefix(out, "reclaimed: 0 chunks") {
		t.Fatalf("second gc found more: %s", out)
	}
}

// quietPebble keeps Pebble's informational lines out of the test output.
type quietPebble struct{ t *testing.T }

func (quietPebble) Infof(string, ...any)           {}
func (q quietPebble) Errorf(f string, args ...any) { q.t.Logf("pebble: "+f, args...) }
func (q quietPebble) Fatalf(f string, args ...any) { q.t.Fatalf("pebble: "+f, args...) }

// remove-node refuses to remove a live node while another node is down or
// a layout change is being rebalanced (the removal could lose data), allows
// removing the dead node, and --force overrides the check.
func TestRemoveNodeSafety(t *testing.T) {
	c := startCluster(t, 4, 2, "2+2")
	mustCLI(t, c, "repo", "create", "--repo", "data", "--description", "remove safety")
	src := t.TempDir()
	writeTree(t, src, 5, 20)
	mustCLI(t, c, "bundle", "upload", "--repo", "data", "--path", src, "--message", "m")
	waitHealthy(t, c, 30*time.Second)
	dead, live := c.Nodes[3].ID, c.Nodes[2].ID
	if err := c.Kill(3); err != nil {
		t.Fatal(err)
	}
	pollUntil(t, 30*time.Second, "the killed node reported down", func() bool {
		return nodeStatus(durabilityJSON(t, c), dead).Health == "down"
	})
	r := cli(t, c, "cluster", "remove-node", live)
	if r.Code != 3 || !strings.Contains(r.Stderr, "node "+dead+" is down") {
		t.Fatalf("removing live %s while %s is down: exit %d, stderr %q; want exit 3 naming %s", live, dead, r.Code, r.Stderr, dead)
	}
	mustCLI(t, c, "cluster", "remove-node", dead)
	r = cli(t, c, "cluster", "remove-node", live)
	if r.Code != 3 || !strings.Contains(r.Stderr, "could lose data") {
		t.Fatalf("removing live %s right after a removal: exit %d, stderr %q; want exit 3", live, r.Code, r.Stderr)
	}
	mustCLI(t, c, "cluster", "remove-node", "--force", live)
	var st client.Status
	if err := json.Unmarshal([]byte(mustCLI(t, c, "cluster", "status", "--output", "json")), &st); err != nil {
		t.Fatal(err)
	}
	for _, v := range append(st.Voters, st.NonVoters...) {
		if v == live || v == dead {
			t.Fatalf("%s still in the raft configuration: %+v", v, st)
		}
	}
}
