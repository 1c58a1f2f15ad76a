package e2e

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/localcluster"
	"github.com/datamon-io/datamon/model"
)

// commitBundles creates repo and n bundles on it (their manifest root is a
// real stored chunk), returning the bundle IDs in commit order.
func commitBundles(t *testing.T, cl *client.Client, repo string, n int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := cl.CreateRepo(ctx, model.Repo{Context: "default", Name: repo, Description: "test repo " + repo}); err != nil {
		t.Fatalf("create repo: %v", err)
	}
	root, err := cl.PutChunk(ctx, []byte("manifest placeholder for "+repo))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := 0; i < n; i++ {
		b, err := cl.CommitBundle(ctx, model.Bundle{Context: "default", Repo: repo, Message: fmt.Sprintf("bundle %d", i), ManifestRoot: root}, "")
		if err != nil {
			t.Fatalf("commit bundle %d: %v", i, err)
		}
		ids = append(ids, b.ID)
	}
	return ids
}

func leaderIndex(t *testing.T, c *localcluster.Cluster) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		cl := liveClient(t, c)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		st, err := cl.ClusterStatus(client.Stale(ctx))
		cancel()
		if err == nil && st.LeaderID != "" {
			for i, n := range c.Nodes {
				if n.ID == st.LeaderID && n.Running() {
					return i
				}
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("no leader found")
	return -1
}

// labelWorkload: each worker owns one label and moves it through bundles in
// turn, through its own preferred node; after every acknowledged move a read
// through another node must see it. It returns, per label, the last
// acknowledged bundle and whether a later unacknowledged attempt may have
// applied.
type labelState struct {
	acks      int
	acked     string
	uncertain map[string]bool // attempted after the last ack, outcome unknown
}

func runLabelWorkers(t *testing.T, c *localcluster.Cluster, repo string, bundles []string, workers int, stop <-chan struct{}) []labelState {
	t.Helper()
	states := make([]labelState, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := len(c.Nodes)
			order := []int{}
			for k := 0; k < n; k++ {
				order = append(order, (w+k)%n)
			}
			writer, _ := c.Client(order...)
			readerOrder := append(order[1:], order[0])
			reader, _ := c.Client(readerOrder...)
			label := fmt.Sprintf("l%02d", w)
			st := labelState{uncertain: map[string]bool{}}
			for i := 0; ; i++ {
				select {
				case <-stop:
					states[w] = st
					return
				default:
				}
				target := bundles[(w+i)%len(bundles)]
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				_, err := writer.SetLabel(ctx, "default", repo, label, target, client.LabelOptions{})
				cancel()
				if err != nil {
					st.uncertain[target] = true
					time.Sleep(100 * time.Millisecond)
					continue
				}
				st.acks++
				st.acked, st.uncertain = target, map[string]bool{}
				ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
				got, err := reader.GetLabel(ctx, "default", repo, label)
				cancel()
				if err == nil && got.BundleID != target {
					t.Errorf("stale read: label %s acknowledged at %s, read through another node gives %s", label, target, got.BundleID)
				}
			}
		}()
	}
	time.Sleep(0)
	<-stop
	wg.Wait()
	return states
}

func checkLabels(t *testing.T, cl *client.Client, repo string, states []labelState) {
	t.Helper()
	total := 0
	for _, st := range states {
		total += st.acks
	}
	t.Logf("%d acknowledged label moves checked", total)
	for w, st := range states {
		if st.acked == "" {
			t.Errorf("worker %d never got an acknowledgement", w)
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		got, err := cl.GetLabel(ctx, "default", repo, fmt.Sprintf("l%02d", w))
		cancel()
		if err != nil {
			t.Errorf("label l%02d: %v", w, err)
			continue
		}
		if got.BundleID != st.acked && !st.uncertain[got.BundleID] {
			t.Errorf("label l%02d = %s; last acknowledged %s (lost or moved back)", w, got.BundleID, st.acked)
		}
	}
}

// TestLeaderKillLosesNoLabelMove: 5 nodes (5 voters); clients set labels
// through different nodes while the leader is SIGKILLed, then another node:
// no acknowledged move is lost, reads after an ack see it, and the cluster
// keeps serving with 4 and with 3 nodes.
func TestLeaderKillLosesNoLabelMove(t *testing.T) {
	c := startCluster(t, 5, 3, "", "--voters", "5")
	bundles := commitBundles(t, liveClient(t, c), "labels", 6)

	phase := func(name string, d time.Duration) {
		stop := make(chan struct{})
		done := make(chan []labelState)
		go func() { done <- runLabelWorkers(t, c, "labels", bundles, 8, stop) }()
		time.Sleep(d)
		close(stop)
		states := <-done
		checkLabels(t, liveClient(t, c), "labels", states)
		if t.Failed() {
			t.Fatalf("phase %s failed", name)
		}
	}

	stop := make(chan struct{})
	done := make(chan []labelState)
	go func() { done <- runLabelWorkers(t, c, "labels", bundles, 8, stop) }()
	time.Sleep(2 * time.Second)
	l := leaderIndex(t, c)
	t.Logf("SIGKILL leader %s", c.Nodes[l].ID)
	if err := c.Kill(l); err != nil {
		t.Fatal(err)
	}
	time.Sleep(6 * time.Second)
	close(stop)
	checkLabels(t, liveClient(t, c), "labels", <-done)
	if t.Failed() {
		t.FailNow()
	}
	newLeader := leaderIndex(t, c)
	if newLeader == l {
		t.Fatal("dead node still reported as leader")
	}
	phase("4 nodes", 3*time.Second)

	// Kill one more node (a follower): 3 of 5 voters remain.
	victim := (newLeader + 1) % len(c.Nodes)
	if victim == l {
		victim = (victim + 1) % len(c.Nodes)
	}
	t.Logf("SIGKILL %s", c.Nodes[victim].ID)
	if err := c.Kill(victim); err != nil {
		t.Fatal(err)
	}
	phase("3 nodes", 3*time.Second)
}

// TestWholeClusterRestartKeepsMetadata: SIGKILL every node, start them
// again: contexts, repos, bundles, labels and label history are all there.
func TestWholeClusterRestartKeepsMetadata(t *testing.T) {
	c := startCluster(t, 3, 3, "")
	cl := liveClient(t, c)
	ctx := context.Background()
	if _, err := cl.CreateContext(ctx, model.Context{Name: "ml-team"}); err != nil {
		t.Fatal(err)
	}
	ids := commitBundles(t, cl, "keep", 3)
	for _, id := range ids {
		if _, err := cl.SetLabel(ctx, "default", "keep", "prod", id, client.LabelOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range c.Nodes {
		if err := c.Kill(i); err != nil {
			t.Fatal(err)
		}
	}
	for i := range c.Nodes {
		if err := c.Restart(i); err != nil {
			t.Fatal(err)
		}
	}
	waitReady(t, c)
	cl = liveClient(t, c)
	if _, err := cl.GetContext(ctx, "ml-team"); err != nil {
		t.Fatalf("context after restart: %v", err)
	}
	got, err := cl.ListBundles(ctx, "default", "keep")
	if err != nil || len(got) != 3 {
		t.Fatalf("bundles after restart: %d, %v", len(got), err)
	}
	for i, b := range got {
		if b.ID != ids[i] {
			t.Fatalf("bundle %d: %s, want %s", i, b.ID, ids[i])
		}
	}
	l, err := cl.GetLabel(ctx, "default", "keep", "prod")
	if err != nil || l.BundleID != ids[2] {
		t.Fatalf("label after restart: %+v %v", l, err)
	}
	h, err := cl.LabelHistory(ctx, "default", "keep", "prod")
	if err != nil || len(h) != 3 || h[0].To != ids[0] || h[2].From != ids[1] {
		t.Fatalf("label history after restart: %+v %v", h, err)
	}
}

// TestConcurrentIfMatchHasOneWinner: many CLI processes race a
// compare-and-set on one label; exactly one wins per expected value.
func TestConcurrentIfMatchHasOneWinner(t *testing.T) {
	c := startCluster(t, 3, 3, "")
	ids := commitBundles(t, liveClient(t, c), "cas", 17)
	mustCLI(t, c, "label", "set", "--repo", "cas", "--label", "prod", "--bundle", ids[0])
	expected := ids[0]
	for round := 0; round < 2; round++ {
		var wg sync.WaitGroup
		// Each round's candidates differ from each other and from the expected value.
		cands := ids[1+8*round : 9+8*round]
		results := make([]cliResult, len(cands))
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = cli(t, c, "label", "set", "--repo", "cas", "--label", "prod",
					"--bundle", cands[i], "--if-match", expected)
			}()
		}
		wg.Wait()
		winner := ""
		for i, r := range results {
			switch r.Code {
			case 0:
				if winner != "" {
					t.Fatalf("round %d: two winners (%s and %s)", round, winner, cands[i])
				}
				winner = cands[i]
			case 3:
			default:
				t.Fatalf("round %d: loser exit %d (want 3): %s", round, r.Code, r.Stderr)
			}
		}
		if winner == "" {
			t.Fatalf("round %d: no winner", round)
		}
		out := mustCLI(t, c, "label", "get", "--repo", "cas", "--label", "prod", "--output", "json")
		if !strings.Contains(out, winner) {
			t.Fatalf("round %d: label is not the winner %s: %s", round, winner, out)
		}
		expected = winner
	}
}

// TestMetadataBadInput: clear errors and unchanged state for invalid names,
// missing descriptions, duplicates, unknown bundles and oversized requests.
func TestMetadataBadInput(t *testing.T) {
	c := startCluster(t, 3, 3, "")
	ids := commitBundles(t, liveClient(t, c), "good", 1)
	before := mustCLI(t, c, "repo", "list", "--output", "json")

	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"repo", "create", "--repo", "bad name!", "--description", "x"}, -1, "may contain only"},
		{[]string{"repo", "create", "--repo", "nodesc"}, -1, "description"},
		{[]string{"repo", "create", "--repo", "good", "--description", "again"}, 1, "exists"},
		{[]string{"repo", "get", "--repo", "missing"}, 2, "not found"},
		{[]string{"label", "set", "--repo", "good", "--label", "prod", "--bundle", "0000000000000000000000nope0"}, 2, "not found"},
		{[]string{"label", "set", "--repo", "good", "--label", "bad/label", "--bundle", ids[0]}, -1, "label"},
		{[]string{"label", "set", "--repo", "missing", "--label", "prod", "--bundle", ids[0]}, 2, "not found"},
	} {
		r := cli(t, c, tc.args...)
		if r.Code == 0 || (tc.code > 0 && r.Code != tc.code) || !strings.Contains(strings.ToLower(r.Stderr), tc.msg) {
			t.Errorf("datamon %s: exit %d stderr %q; want exit %d mentioning %q", strings.Join(tc.args, " "), r.Code, r.Stderr, tc.code, tc.msg)
		}
	}
	// Oversized request body (a 2 MiB description): refused, nothing created.
	cl := liveClient(t, c)
	_, err := cl.CreateRepo(context.Background(), model.Repo{Context: "default", Name: "huge", Description: strings.Repeat("x", 2<<20)})
	if err == nil {
		t.Fatal("2 MiB request accepted")
	}
	if after := mustCLI(t, c, "repo", "list", "--output", "json"); after != before {
		t.Fatalf("repo list changed after bad input:\nbefore %s\nafter  %s", before, after)
	}
	if _, err := cl.GetLabel(context.Background(), "default", "good", "prod"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("label created by failed set: %v", err)
	}
	_ = chunk.ID{}
}
