package e2e

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/client"
)

// TestDegradedThreeNodes: the degraded states of a 3-node 2+1 cluster, told
// honestly (issue 24, item 4), on one cluster:
//   - `cluster members` shows each node's Raft role;
//   - draining one of the three nodes is refused (exit 3): the two left
//     could hold the chunks' 3 shards on 2 nodes only, below k+1;
//   - with a node down, once repair rebuilt its shards on the survivors,
//     fsck reports every chunk whole and waiting for that node, not
//     misplaced;
//   - a write with that node down fails fast, naming the node and what to
//     do, without CAS internals.
func TestDegradedThreeNodes(t *testing.T) {
	c := startCluster(t, 3, 3, "2+1")
	mustCLI(t, c, "repo", "create", "--repo", "data", "--description", "degraded")
	src := t.TempDir()
	files := writeTree(t, src, 24, 20)
	mustCLI(t, c, "bundle", "upload", "--repo", "data", "--path", src, "--message", "m")
	waitHealthy(t, c, 30*time.Second)

	var members []client.Member
	if err := json.Unmarshal([]byte(mustCLI(t, c, "cluster", "members", "--output", "json")), &members); err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		if m.Raft != "voter" {
			t.Fatalf("cluster members: %s has raft role %q; want voter (3 nodes, 3 voters): %+v", m.ID, m.Raft, members)
		}
	}

	victim := c.Nodes[2].ID
	r := cli(t, c, "cluster", "drain", victim)
	if r.Code != 3 || !strings.Contains(r.Stderr, "below k+1 placed shards") || !strings.Contains(r.Stderr, "--force") {
		t.Fatalf("drain of one of three nodes under 2+1: exit %d, stderr %q; want exit 3, below k+1, --force", r.Code, r.Stderr)
	}
	if st := durabilityJSON(t, c); nodeStatus(st, victim).Capacity == 0 {
		t.Fatalf("refused drain changed the layout: %+v", nodeStatus(st, victim))
	}

	if err := c.Kill(2); err != nil {
		t.Fatal(err)
	}
	var rep client.FsckReport
	pollUntil(t, 120*time.Second, "fsck: every chunk whole, waiting for "+victim, func() bool {
		var code int
		rep, code = fsckJSON(t, c)
		t.Logf("fsck (exit %d): %+v", code, rep)
		return code == 0 && rep.Chunks > 0 && rep.Waiting == rep.Chunks && slices.Equal(rep.WaitingFor, []string{victim})
	})
	if rep.Healthy != 0 || rep.Misplaced != 0 || rep.Degraded != 0 || rep.Lost != 0 {
		t.Fatalf("fsck with %s down: %+v", victim, rep)
	}
	out := mustCLI(t, c, "cluster", "fsck")
	if want := "whole, on non-owners, waiting for node " + victim + " (down): "; !strings.Contains(out, want) {
		t.Fatalf("fsck text %q lacks %q", out, want)
	}
	checkTree(t, c, "data", files)

	src2 := t.TempDir()
	writeTree(t, src2, 25, 3)
	start := time.Now()
	r = cli(t, c, "bundle", "upload", "--repo", "data", "--path", src2, "--message", "down")
	took := time.Since(start)
	t.Logf("upload with %s down: exit %d after %v, stderr %q", victim, r.Code, took, r.Stderr)
	if r.Code == 0 {
		t.Fatalf("upload with %s down under 2+1 succeeded", victim)
	}
	for _, want := range []string{"node " + victim + " is down", "Start node " + victim, "remove-node"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("upload error %q lacks %q", r.Stderr, want)
		}
	}
	for _, internal := range []string{"cas:", "shards durable", "insufficient shards"} {
		if strings.Contains(r.Stderr, internal) {
			t.Errorf("upload error %q shows CAS internals (%q)", r.Stderr, internal)
		}
	}
	if took > 15*time.Second {
		t.Errorf("upload with %s down took %v to fail; want it to fail fast", victim, took)
	}
}
