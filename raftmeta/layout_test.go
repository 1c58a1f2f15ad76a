package raftmeta_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
)

func voterSites(t *testing.T, ctx context.Context, m *raftmeta.Meta, site map[string]string) (raftmeta.Status, []string) {
	t.Helper()
	st, err := m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var sites []string
	for _, v := range st.Voters {
		sites = append(sites, site[v])
	}
	sort.Strings(sites)
	return st, sites
}

// Members appearing in gossip are added to the layout and the raft group;
// votes move so that voters span sites; RemoveNode shrinks both and a
// non-voter is promoted to keep the target.
func TestLayoutGrowsVotersSpreadRemoveNode(t *testing.T) {
	c := raftmetatest.New(t, 3, raftmetatest.Options{Sites: []string{"a"}, SnapshotThreshold: 30, TrailingLogs: 5})
	leader := waitReady(t, c)
	ctx := testCtx(t, 60*time.Second)
	m := c.Meta(leader)
	l1 := m.Layout()
	if len(l1.Nodes) != 3 || l1.Policy != layout.DefaultPolicy(3) {
		t.Fatalf("initial layout %+v", l1)
	}
	// enough traffic for snapshots + compaction, so the newcomers catch up by InstallSnapshot
	mkRepo(t, ctx, m, "lay")
	for i := 0; i < 60; i++ {
		commit(t, ctx, m, "lay", fmt.Sprintf("c%d", i))
	}
	site := map[string]string{"n1": "a", "n2": "a", "n3": "a", "n4": "b", "n5": "c"}
	c.AddNode("n4", "b")
	c.AddNode("n5", "c")
	err := raftmetatest.WaitFor(20*time.Second, func() error {
		st, sites := voterSites(t, ctx, c.Meta(leaderOf(t, c)), site)
		if fmt.Sprint(sites) != "[a b c]" || len(st.NonVoters) != 2 {
			return fmt.Errorf("voters %v (%v) non-voters %v", st.Voters, sites, st.NonVoters)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"n4", "n5"} {
		if _, err := c.Meta(id).GetBundle(ctx, model.DefaultContext, "lay", commitIDs(t, ctx, m)[0]); err != nil {
			t.Fatalf("%s after join: %v", id, err)
		}
	}
	cur := c.Meta("n5").Layout()
	if len(cur.Nodes) != 5 || cur.Version <= l1.Version {
		t.Fatalf("layout after growth %+v", cur)
	}
	ls := c.Meta("n5").Layouts()
	if len(ls) < 2 || ls[0].Version != cur.Version || ls[len(ls)-1].Version != l1.Version {
		t.Fatalf("layouts %+v", ls)
	}
	if err := c.Meta("n4").SetPolicy(ctx, layout.Policy{K: 3, M: 2}); err != nil {
		t.Fatal(err)
	}
	if err := c.Meta("n4").SetPolicy(ctx, layout.Policy{K: 0, M: 2}); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("bad policy: %v", err)
	}
	if _, err := c.Meta("n4").GetContext(ctx, model.DefaultContext); err != nil { // barrier: n4 applied the policy
		t.Fatal(err)
	}
	pl := c.Meta("n4").Layout()
	if pl.Policy != (layout.Policy{K: 3, M: 2}) || pl.Version != cur.Version+1 {
		t.Fatalf("policy layout %+v", pl)
	}
	if err := c.Meta("n1").RetireLayouts(ctx, pl.Version-1); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Meta("n3").GetContext(ctx, model.DefaultContext); err != nil {
		t.Fatal(err)
	}
	if ls := c.Meta("n3").Layouts(); len(ls) != 1 || ls[0].Version != pl.Version {
		t.Fatalf("layouts after retire %+v", ls)
	}

	// remove the voter in site b (via a follower); n4 stays alive in gossip
	if err := c.Meta(follower(t, c, leaderOf(t, c))).RemoveNode(ctx, "n4"); err != nil {
		t.Fatal(err)
	}
	err = raftmetatest.WaitFor(20*time.Second, func() error {
		st, _ := voterSites(t, ctx, c.Meta(leaderOf(t, c)), site)
		all := append(append([]string{}, st.Voters...), st.NonVoters...)
		sort.Strings(all)
		if len(st.Voters) != 3 || fmt.Sprint(all) != "[n1 n2 n3 n5]" {
			return fmt.Errorf("voters %v non-voters %v", st.Voters, st.NonVoters)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // a few reconcile rounds: n4 must not come back
	if _, err := c.Meta("n1").GetContext(ctx, model.DefaultContext); err != nil {
		t.Fatal(err)
	}
	rl := c.Meta("n1").Layout()
	if _, ok := rl.Node("n4"); ok || len(rl.Nodes) != 4 || rl.Version != pl.Version+1 {
		t.Fatalf("layout after remove %+v", rl)
	}
	// Every change of the node list is in the history, oldest first (the
	// policy change is not: it kept the nodes); placement replays it.
	if h := rl.History; len(h) < 2 || len(h[0]) != 3 || len(h[len(h)-1]) != 5 || !sameIDs(h[len(h)-1], cur.Nodes) {
		t.Fatalf("layout history after growth and removal: %+v", h)
	}
	// A repeated removal (e.g. a retried forward) succeeds and changes nothing.
	if err := c.Meta(leaderOf(t, c)).RemoveNode(ctx, "n4"); err != nil {
		t.Fatalf("removing n4 again: %v", err)
	}
	if v := c.Meta(leaderOf(t, c)).Layout().Version; v != rl.Version {
		t.Fatalf("repeated removal made layout version %d, want %d", v, rl.Version)
	}
	st, _ := voterSites(t, ctx, c.Meta(leaderOf(t, c)), site)
	for _, id := range append(st.Voters, st.NonVoters...) {
		if id == "n4" {
			t.Fatal("removed node re-added")
		}
	}
}

func leaderOf(t *testing.T, c *raftmetatest.Cluster) string {
	t.Helper()
	l, err := c.Leader(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func commitIDs(t *testing.T, ctx context.Context, m *raftmeta.Meta) []string {
	t.Helper()
	bs, err := m.ListBundles(ctx, model.DefaultContext, "lay")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, b := range bs {
		ids = append(ids, b.ID)
	}
	return ids
}

// A follower that was down while the leader compacted its log catches up
// by InstallSnapshot; a node restart after snapshots keeps its state.
func TestSnapshotInstallAndRestart(t *testing.T) {
	c := raftmetatest.New(t, 3, raftmetatest.Options{SnapshotThreshold: 20, TrailingLogs: 5})
	leader := waitReady(t, c)
	ctx := testCtx(t, 60*time.Second)
	m := c.Meta(leader)
	mkRepo(t, ctx, m, "snap")
	lag := follower(t, c, leader)
	c.Stop(lag)
	stoppedAt := uint64(0)
	for i := 0; i < 120; i++ {
		b := commit(t, ctx, m, "snap", fmt.Sprintf("s%d", i))
		if i == 0 {
			if _, err := m.SetLabel(ctx, model.LabelSet{Context: model.DefaultContext, Repo: "snap", Name: "first", BundleID: b.ID}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := raftmetatest.WaitFor(10*time.Second, func() error {
		first, err := c.FirstLogIndex(leader)
		if err != nil {
			return err
		}
		if first <= stoppedAt+50 {
			return fmt.Errorf("leader log not compacted (first index %d)", first)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	c.Restart(lag)
	want, err := c.Converged(ctx, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	bs, err := c.Meta(lag).ListBundles(raftmetaStale(ctx), model.DefaultContext, "snap")
	if err != nil || len(bs) != 120 {
		t.Fatalf("%s after install: %d bundles, %v", lag, len(bs), err)
	}
	if h, err := c.Meta(lag).LabelHistory(ctx, model.DefaultContext, "snap", "first"); err != nil || len(h) != 1 {
		t.Fatalf("history after install: %v %v", h, err)
	}
	// restart everyone (graceful): state survives, still converged, still writable
	for _, id := range c.IDs() {
		c.Stop(id)
		c.Restart(id)
	}
	if _, err := c.Leader(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	got, err := c.Converged(ctx, 20*time.Second)
	if err != nil || got != want {
		t.Fatalf("after restarts hash %s (want %s) %v", got, want, err)
	}
	commit(t, ctx, c.Meta(lag), "snap", "after")
}

func sameIDs(a, b []layout.Node) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID {
			return false
		}
	}
	return true
}
