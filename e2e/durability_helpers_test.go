package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/localcluster"
)

// writeTree writes n files of 8..40 KiB (one chunk each) under dir and
// returns their contents by name.
func writeTree(t *testing.T, dir string, seed uint64, n int) map[string][]byte {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, seed^0x9e37))
	out := map[string][]byte{}
	for i := 0; i < n; i++ {
		b := make([]byte, 8<<10+r.IntN(32<<10))
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		name := fmt.Sprintf("f%03d-%d.bin", i, seed)
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
		out[name] = b
	}
	return out
}

// checkTree downloads repo and compares it with want.
func checkTree(t *testing.T, c *localcluster.Cluster, repo string, want map[string][]byte) {
	t.Helper()
	dst := t.TempDir()
	mustCLI(t, c, "bundle", "download", "--repo", repo, "--destination", dst)
	for name, b := range want {
		got, err := os.ReadFile(filepath.Join(dst, name))
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("%s/%s differs after download: %v", repo, name, err)
		}
	}
}

func fsckJSON(t *testing.T, c *localcluster.Cluster, args ...string) (client.FsckReport, int) {
	t.Helper()
	r := cli(t, c, append([]string{"cluster", "fsck", "--output", "json"}, args...)...)
	var rep client.FsckReport
	if err := json.Unmarshal([]byte(r.Stdout), &rep); err != nil {
		t.Fatalf("fsck output %q (stderr %q): %v", r.Stdout, r.Stderr, err)
	}
	return rep, r.Code
}

// waitHealthy polls fsck until every chunk is healthy (exit 0).
func waitHealthy(t *testing.T, c *localcluster.Cluster, within time.Duration, args ...string) client.FsckReport {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		rep, code := fsckJSON(t, c, args...)
		if code == 0 && rep.Chunks > 0 && rep.Healthy == rep.Chunks {
			return rep
		}
		if time.Now().After(deadline) {
			t.Fatalf("fsck not healthy after %v: exit %d %+v", within, code, rep)
		}
		time.Sleep(time.Second)
	}
}

func durabilityJSON(t *testing.T, c *localcluster.Cluster) client.ClusterDurability {
	t.Helper()
	var st client.ClusterDurability
	out := mustCLI(t, c, "cluster", "durability", "--output", "json")
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("durability output %q: %v", out, err)
	}
	return st
}

func nodeStatus(st client.ClusterDurability, id string) client.NodeDurability {
	for _, n := range st.Nodes {
		if n.ID == id {
			return n
		}
	}
	return client.NodeDurability{}
}

// pollUntil retries ok every second until it holds or within passes.
func pollUntil(t *testing.T, within time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(time.Second)
	}
}

func chunkIDs(files map[string][]byte) []chunk.ID {
	var out []chunk.ID
	for _, b := range files {
		out = append(out, chunk.Sum(b))
	}
	return out
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
