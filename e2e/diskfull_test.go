package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/datamon-io/datamon/localcluster"
)

// metric reads one unlabelled gauge or counter from node i's /metrics.
func metric(t *testing.T, c *localcluster.Cluster, i int, name string) float64 {
	t.Helper()
	cl, err := c.Client(i)
	if err != nil {
		t.Fatal(err)
	}
	body, err := cl.Metrics(context.Background())
	if err != nil {
		t.Fatalf("metrics of %s: %v", c.Nodes[i].ID, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	t.Fatalf("no %s in %s's metrics", name, c.Nodes[i].ID)
	return 0
}

// moveToTmpfs stops node i, moves its data dir onto a fresh tmpfs of size
// bytes mounted at the same path, and starts it again.
func moveToTmpfs(t *testing.T, c *localcluster.Cluster, i int, size int64) {
	t.Helper()
	n := c.Nodes[i]
	if err := c.Terminate(i); err != nil {
		t.Fatal(err)
	}
	orig := n.Dir + ".orig"
	if err := os.Rename(n.Dir, orig); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(n.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", size), "tmpfs", n.Dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs on %s: %v: %s", n.Dir, err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", n.Dir).Run() })
	// The ballast was sized for the old filesystem; the node makes a new one.
	if err := os.Remove(filepath.Join(orig, "BALLAST")); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-a", orig+"/.", n.Dir+"/").CombinedOutput(); err != nil {
		t.Fatalf("copy data dir: %v: %s", err, out)
	}
	if err := c.Restart(i); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := c.WaitReady(ctx, 90*time.Second); err != nil {
		t.Fatalf("restart on tmpfs: %v", err)
	}
}

// fillDisk writes path until the filesystem answers ENOSPC.
func fillDisk(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill %s: %v", path, err)
			}
			return
		}
	}
}

// TestDiskFullNode: one node of four (EC 2+2) runs on a 256 MiB tmpfs that
// another process fills to ENOSPC. The node must not crash: its Pebble
// stores write into the released ballast, metadata (label moves, commits)
// keeps working cluster-wide, uploads succeed on the other nodes' shards
// (the full node refuses shard writes with 507 no-space), and once the
// filler is gone the ballast comes back and repair makes fsck healthy.
func TestDiskFullNode(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounts a tmpfs: needs root (CI runs as root)")
	}
	c := startCluster(t, 4, 2, "2+2")
	const full = 3
	mustCLI(t, c, "repo", "create", "--repo", "full", "--description", "disk full")
	src := t.TempDir()
	v1 := writeTree(t, src, 1, 8)
	id1 := bundleID(t, mustCLI(t, c, "bundle", "upload", "--repo", "full", "--path", src, "--message", "v1"))
	moveToTmpfs(t, c, full, 256<<20)
	if got := metric(t, c, full, "datamon_disk_low"); got != 0 {
		t.Fatalf("fresh tmpfs node is low on disk: %v", got)
	}

	fillDisk(t, filepath.Join(c.Nodes[full].Dir, "filler"))
	// Metadata writes reach every member's Raft log, the full one included.
	var last string
	for i := range 30 {
		src2 := t.TempDir()
		writeTree(t, src2, uint64(100+i), 1)
		last = bundleID(t, mustCLI(t, c, "bundle", "upload", "--repo", "full", "--path", src2, "--message", fmt.Sprintf("during fill %d", i)))
		mustCLI(t, c, "label", "set", "--repo", "full", "--label", "latest", "--bundle", last)
	}
	src3 := t.TempDir()
	v3 := writeTree(t, src3, 3, 12)
	bundleID(t, mustCLI(t, c, "bundle", "upload", "--repo", "full", "--path", src3, "--message", "v3 on a full node"))
	if !c.Nodes[full].Running() {
		t.Fatalf("node %s exited on a full disk", c.Nodes[full].ID)
	}
	pollUntil(t, 20*time.Second, "the full node to report low disk", func() bool {
		return metric(t, c, full, "datamon_disk_low") == 1
	})
	if r := metric(t, c, full, "datamon_disk_ballast_releases_total"); r < 1 {
		t.Fatalf("ballast releases %v, want >= 1 (the fill did not reach the node's stores?)", r)
	}

	if err := os.Remove(filepath.Join(c.Nodes[full].Dir, "filler")); err != nil {
		t.Fatal(err)
	}
	pollUntil(t, 30*time.Second, "the ballast to come back", func() bool {
		return metric(t, c, full, "datamon_disk_low") == 0
	})
	waitHealthy(t, c, 3*time.Minute)
	checkTree(t, c, "full", v3) // the latest bundle of the repo
	dst := t.TempDir()
	mustCLI(t, c, "bundle", "download", "--repo", "full", "--bundle", id1, "--destination", dst)
	for name, b := range v1 {
		if got, err := os.ReadFile(filepath.Join(dst, name)); err != nil || !bytes.Equal(got, b) {
			t.Fatalf("v1 %s differs after the fill: %v", name, err)
		}
	}
	if !c.Nodes[full].Running() {
		t.Fatalf("node %s exited", c.Nodes[full].ID)
	}
}
