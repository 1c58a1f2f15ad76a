package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/localcluster"
)

// The tests of issue 7's list not covered by durability_test.go.

// TestDurabilityIssueNodeLossThenTwoKills: 6 nodes on 3 sites, EC 4+2,
// ~500 MiB in two bundles. One node stops for good: after the repair delay
// the survivors rebuild, and once it is removed fsck is 100% healthy. Then
// two more nodes are SIGKILLed and both bundles still download
// byte-identical.
//
// With 5 nodes left a chunk's 6 shards cannot all be on distinct nodes: the
// site cap (M=2 per site) puts the second shard on node3, the only node left
// on site3. Killing any two other nodes costs every chunk at most 2 shards,
// which is what 4+2 tolerates; of those, the test prefers Raft non-voters so
// that the metadata group (3 voters) keeps its quorum.
func TestDurabilityIssueNodeLossThenTwoKills(t *testing.T) {
	c := startCluster(t, 6, 3, "4+2")
	mustCLI(t, c, "repo", "create", "--repo", "big", "--description", "500 MiB")
	var srcs, ids []string
	total := 0
	for b := 0; b < 2; b++ {
		src := filepath.Join(t.TempDir(), "src")
		r := rand.New(rand.NewPCG(uint64(70+b), 7))
		for i, size := 0, 0; size < 250<<20; i++ {
			n := 8<<20 + r.IntN(32<<20)
			writeSeeded(t, filepath.Join(src, fmt.Sprintf("d%d/f%02d.bin", i%3, i)), n, uint64(5000+100*b+i), 0o644)
			size += n
			total += n
		}
		out := mustCLI(t, c, "bundle", "upload", "--repo", "big", "--path", src, "--message", "b"+strconv.Itoa(b))
		srcs, ids = append(srcs, src), append(ids, bundleID(t, out))
	}
	t.Logf("uploaded %d MiB in 2 bundles", total>>20)
	rep := waitHealthy(t, c, 60*time.Second)
	t.Logf("fsck before the loss: %+v", rep)

	// Stop node6 (site3) for good.
	victim := c.Nodes[5].ID
	if err := c.Kill(5); err != nil {
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
	mustCLI(t, c, "cluster", "remove-node", victim)
	rep = waitHealthy(t, c, 150*time.Second)
	t.Logf("fsck 100%% healthy %v after the loss: %+v", time.Since(start), rep)

	// SIGKILL two more nodes (not node3, see above; non-voters first).
	var st client.Status
	if err := json.Unmarshal([]byte(mustCLI(t, c, "cluster", "status", "--output", "json")), &st); err != nil {
		t.Fatal(err)
	}
	cand := []int{0, 1, 3, 4}
	slices.SortStableFunc(cand, func(a, b int) int {
		va, vb := slices.Contains(st.Voters, c.Nodes[a].ID), slices.Contains(st.Voters, c.Nodes[b].ID)
		switch {
		case va == vb:
			return 0
		case vb:
			return -1
		default:
			return 1
		}
	})
	for _, i := range cand[:2] {
		t.Logf("SIGKILL %s (voters %v)", c.Nodes[i].ID, st.Voters)
		if err := c.Kill(i); err != nil {
			t.Fatal(err)
		}
	}
	for b, id := range ids {
		dst := filepath.Join(t.TempDir(), "dst")
		mustCLI(t, c, "bundle", "download", "--repo", "big", "--bundle", id, "--destination", dst)
		compareTrees(t, nonDirs(treeDigest(t, srcs[b])), nonDirs(treeDigest(t, dst)))
		if err := os.RemoveAll(dst); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDurabilityIssueSeventhNode: a seventh node (on a fourth site, so that
// the per-site cap does not bound its share) ends with 0.9–1.1× its
// capacity share of the shards; while shards move, fsck is sampled every
// second and never finds a chunk missing a shard (so never fewer than k+1).
func TestDurabilityIssueSeventhNode(t *testing.T) {
	c := startCluster(t, 6, 3, "4+2")
	mustCLI(t, c, "repo", "create", "--repo", "data", "--description", "grow")
	src := t.TempDir()
	files := writeTree(t, src, 21, 700)
	for i := 0; i < 2; i++ {
		name := fmt.Sprintf("big%d.bin", i)
		writeSeeded(t, filepath.Join(src, name), 12<<20, uint64(2100+i), 0o644)
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
	mustCLI(t, c, "bundle", "upload", "--repo", "data", "--path", src, "--message", "m")
	waitHealthy(t, c, 60*time.Second)
	before := durabilityJSON(t, c)
	// Slow the move down so that it is sampled many times.
	mustCLI(t, c, "cluster", "repair-rate", strconv.Itoa(512<<10))

	n7, err := c.AddNode("site4")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	samples, moving := 0, 0
	var last client.FsckReport
	var st client.ClusterDurability
	deadline := start.Add(120 * time.Second)
	for {
		rep, code := fsckJSON(t, c)
		samples++
		if rep.Lost != 0 || len(rep.Unreadable) != 0 || rep.Chunks == 0 {
			t.Fatalf("fsck during the move (after %v, exit %d): chunks lost: %+v", time.Since(start), code, rep)
		}
		// Every chunk keeps all k+m shards throughout the move (a shard is
		// copied before its old home deletes it, and fsck counts a shard at
		// its old or its new owner): not a single sample may find a chunk
		// short of a shard, let alone with fewer than k+1.
		if rep.Degraded != 0 {
			t.Fatalf("fsck during the move (after %v, sample %d): chunks degraded: %+v", time.Since(start), samples, rep)
		}
		last = rep
		st = durabilityJSON(t, c)
		joined := st.LayoutVersion > before.LayoutVersion && nodeStatus(st, n7.ID).ID != ""
		if joined && (rep.Misplaced > 0 || !st.RebalanceDone || len(st.LayoutVersions) > 1) {
			moving++
		}
		if joined && rep.Healthy == rep.Chunks && st.RebalanceDone && len(st.LayoutVersions) == 1 &&
			nodeStatus(st, n7.ID).Shards > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("move not done after 120 s: fsck %+v, durability %+v", rep, st)
		}
		time.Sleep(time.Second)
	}
	t.Logf("move done after %v: %d fsck samples (%d during the move), last %+v", time.Since(start), samples, moving, last)
	if moving < 2 {
		t.Fatalf("the move was sampled only %d times", moving)
	}
	mustCLI(t, c, "cluster", "repair-rate", "0")

	var shards int64
	var capSum uint64
	for _, n := range st.Nodes {
		shards += n.Shards
		capSum += n.Capacity
		t.Logf("%s site=%s capacity=%d shards=%d", n.ID, n.Site, n.Capacity, n.Shards)
	}
	me := nodeStatus(st, n7.ID)
	fair := float64(shards) * float64(me.Capacity) / float64(capSum)
	if len(st.Nodes) != 7 || fair == 0 {
		t.Fatalf("durability lists %d nodes, fair share %.0f", len(st.Nodes), fair)
	}
	ratio := float64(me.Shards) / fair
	t.Logf("%s holds %d shards, fair share %.0f: %.3f×", n7.ID, me.Shards, fair, ratio)
	if ratio < 0.9 || ratio > 1.1 {
		t.Fatalf("%s holds %.3f× its fair share (%d of %d shards)", n7.ID, ratio, me.Shards, shards)
	}
	checkTree(t, c, "data", files)
}

// startClusterWith is startCluster with per-node extra arguments.
func startClusterWith(t *testing.T, nodes, sites int, ec string, perNode func(i int) []string) *localcluster.Cluster {
	t.Helper()
	cfg := localcluster.DefaultConfig()
	cfg.Nodes, cfg.Sites, cfg.EC = nodes, sites, ec
	cfg.Dir = t.TempDir()
	cfg.Binary = binary
	cfg.ReadyTimeout = 90 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := localcluster.StartWith(ctx, cfg, perNode)
	if err != nil {
		dumpLogs(t, cfg.Dir)
		t.Fatalf("start cluster: %v", err)
	}
	trustCluster(t, c)
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("stop cluster: %v", err)
		}
		if t.Failed() {
			dumpLogs(t, cfg.Dir)
		}
	})
	return c
}

// TestDurabilityIssueCapacityWeights: two nodes with 4× the capacity of the
// others hold 4× their shards (±20%). 6 nodes on 2 sites, one big node per
// site, EC 1+1 (one shard per site): every site has the same capacity, and a
// big node's share (4/6 of its site's shards) stays below one shard per
// chunk, so placement can follow capacity exactly.
func TestDurabilityIssueCapacityWeights(t *testing.T) {
	const small = 8 << 30
	big := map[int]bool{0: true, 1: true} // node1 on site1, node2 on site2
	c := startClusterWith(t, 6, 2, "1+1", func(i int) []string {
		if big[i] {
			return []string{"--capacity", strconv.Itoa(4 * small)}
		}
		return []string{"--capacity", strconv.Itoa(small)}
	})
	mustCLI(t, c, "repo", "create", "--repo", "data", "--description", "weights")
	src := t.TempDir()
	files := writeTree(t, src, 31, 900)
	mustCLI(t, c, "bundle", "upload", "--repo", "data", "--path", src, "--message", "m")
	waitHealthy(t, c, 60*time.Second)
	st := durabilityJSON(t, c)
	var smallSum float64
	nSmall := 0
	for i, nd := range c.Nodes {
		ns := nodeStatus(st, nd.ID)
		t.Logf("%s site=%s capacity=%d shards=%d", ns.ID, ns.Site, ns.Capacity, ns.Shards)
		want := uint64(small)
		if big[i] {
			want = 4 * small
		} else {
			smallSum += float64(ns.Shards)
			nSmall++
		}
		if ns.Capacity != want {
			t.Fatalf("%s reports capacity %d, want %d", nd.ID, ns.Capacity, want)
		}
	}
	mean := smallSum / float64(nSmall)
	if mean == 0 {
		t.Fatal("the small nodes hold no shards")
	}
	for i := range big {
		ns := nodeStatus(st, c.Nodes[i].ID)
		ratio := float64(ns.Shards) / mean
		t.Logf("%s holds %.2f× the shards of a small node", ns.ID, ratio)
		if ratio < 3.2 || ratio > 4.8 {
			t.Fatalf("%s (4× capacity) holds %.2f× the shards of a small node (%d vs %.0f)", ns.ID, ratio, ns.Shards, mean)
		}
	}
	checkTree(t, c, "data", files)
}

// TestDurabilityIssueGCDuringUpload: delete a repo that shares chunks with
// another, then collect with a grace period while an upload runs. The
// collection frees only the deleted repo's unique chunks (a second one after
// the grace period catches any shard written during the first, e.g. by
// repair), keeps the shared ones, and the upload completes and downloads
// intact.
func TestDurabilityIssueGCDuringUpload(t *testing.T) {
	const grace = 8 * time.Second
	c := startCluster(t, 4, 1, "2+2")
	shared, gone, keep, live := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	sharedFiles := writeTree(t, shared, 14, 10)
	uniqueFiles := writeTree(t, gone, 15, 12)
	keepFiles := writeTree(t, keep, 16, 5)
	for name, b := range sharedFiles {
		writeFile(t, filepath.Join(gone, name), b)
		writeFile(t, filepath.Join(keep, name), b)
		keepFiles[name] = b
	}
	liveFiles := writeTree(t, live, 17, 40)
	liveChunks := chunkIDs(liveFiles) // one chunk per small file
	for i := 0; i < 2; i++ {
		name := fmt.Sprintf("big%d.bin", i)
		writeSeeded(t, filepath.Join(live, name), 24<<20, uint64(1700+i), 0o644)
		b, err := os.ReadFile(filepath.Join(live, name))
		if err != nil {
			t.Fatal(err)
		}
		liveFiles[name] = b
	}
	for _, r := range []string{"gone", "keep", "live"} {
		mustCLI(t, c, "repo", "create", "--repo", r, "--description", r)
	}
	mustCLI(t, c, "bundle", "upload", "--repo", "gone", "--path", gone, "--message", "m")
	mustCLI(t, c, "bundle", "upload", "--repo", "keep", "--path", keep, "--message", "m")
	waitHealthy(t, c, 30*time.Second)
	mustCLI(t, c, "repo", "delete", "--repo", "gone", "--force-yes")
	time.Sleep(grace + 2*time.Second) // the deleted repo's chunks are past the grace period

	done := make(chan cliResult, 1)
	go func() {
		done <- cli(t, c, "bundle", "upload", "--repo", "live", "--path", live, "--message", "during gc")
	}()
	time.Sleep(time.Second) // the upload is writing chunks
	gcArgs := []string{"gc", "--grace", grace.String()}
	first := mustCLI(t, c, gcArgs...)
	t.Logf("gc during the upload: %s", first)
	if strings.HasPrefix(first, "reclaimed: 0 chunks") {
		t.Fatalf("gc during the upload reclaimed nothing: %s", first)
	}
	var up cliResult
	select {
	case up = <-done:
	case <-time.After(3 * time.Minute):
		t.Fatal("upload not done 3 minutes after gc")
	}
	if up.Code != 0 {
		t.Fatalf("upload during gc: exit %d\nstdout: %s\nstderr: %s", up.Code, up.Stdout, up.Stderr)
	}
	// Shards written during the first collection (repair, rebalance, scrub)
	// were protected by its fence; past the grace period a second one
	// collects whatever of the deleted repo they kept.
	time.Sleep(grace + 2*time.Second)
	second := mustCLI(t, c, gcArgs...)
	t.Logf("gc after the grace period: %s", second)

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
	if n := len(slices.DeleteFunc(has, func(h bool) bool { return !h })); n != 0 {
		t.Fatalf("%d chunks unique to the deleted repo survived two gc runs", n)
	}
	for _, ids := range [][]chunk.ID{chunkIDs(sharedFiles), chunkIDs(keepFiles), liveChunks} {
		has, err := cl.HasChunks(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(slices.DeleteFunc(has, func(h bool) bool { return h })); n != 0 {
			t.Fatalf("gc collected %d live chunks", n)
		}
	}
	waitHealthy(t, c, 60*time.Second)
	checkTree(t, c, "keep", keepFiles)
	checkTree(t, c, "live", liveFiles)
	if out := mustCLI(t, c, "gc", "--grace", "0s"); !strings.HasPrefix(out, "reclaimed: 0 chunks") {
		t.Fatalf("a third gc found more: %s", out)
	}
}
