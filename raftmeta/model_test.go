package raftmeta_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
)

// 20 goroutines on all nodes race to move a label with IfMatch on the same
// expected value: exactly one wins each round; history is ordered.
func TestConcurrentSetLabelIfMatchOneWinner(t *testing.T) {
	c := raftmetatest.New(t, 3, raftmetatest.Options{})
	leader := waitReady(t, c)
	ctx := testCtx(t, 60*time.Second)
	m := c.Meta(leader)
	mkRepo(t, ctx, m, "lab")
	var bundles []model.Bundle
	for i := 0; i < 4; i++ {
		bundles = append(bundles, commit(t, ctx, m, "lab", fmt.Sprintf("b%d", i)))
	}
	base := model.LabelSet{Context: model.DefaultContext, Repo: "lab", Name: "prod",
		Contributor: model.Contributor{Name: "init"}}
	base.BundleID, base.IfNotExists = bundles[0].ID, true
	if _, err := m.SetLabel(ctx, base); err != nil {
		t.Fatal(err)
	}
	if _, err := m.SetLabel(ctx, base); !errors.Is(err, model.ErrPrecondition) {
		t.Fatalf("IfNotExists on existing label: %v", err)
	}
	ids := c.Running()
	for round := 1; round < 4; round++ {
		var wg sync.WaitGroup
		var mu sync.Mutex
		winners, failures := 0, 0
		for g := 0; g < 20; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				s := base
				s.IfNotExists, s.IfMatch = false, bundles[round-1].ID
				s.BundleID = bundles[round].ID
				s.Contributor = model.Contributor{Name: fmt.Sprintf("g%d", g)}
				_, err := c.Meta(ids[g%len(ids)]).SetLabel(ctx, s)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					winners++
				case errors.Is(err, model.ErrPrecondition):
					failures++
				default:
					t.Errorf("round %d g%d: %v", round, g, err)
				}
			}(g)
		}
		wg.Wait()
		if winners != 1 || failures != 19 {
			t.Fatalf("round %d: %d winners, %d precondition failures", round, winners, failures)
		}
	}
	for _, id := range ids {
		h, err := c.Meta(id).LabelHistory(ctx, model.DefaultContext, "lab", "prod")
		if err != nil || len(h) != 4 {
			t.Fatalf("%s: history %v %v", id, h, err)
		}
		for i, mv := range h {
			wantFrom := ""
			if i > 0 {
				wantFrom = bundles[i-1].ID
			}
			if mv.From != wantFrom || mv.To != bundles[i].ID || (i > 0 && mv.Timestamp.Before(h[i-1].Timestamp)) {
				t.Fatalf("%s: move %d = %+v", id, i, mv)
			}
		}
		l, err := c.Meta(id).GetLabel(ctx, model.DefaultContext, "lab", "prod")
		if err != nil || l.BundleID != bundles[3].ID {
			t.Fatalf("%s: label %+v %v", id, l, err)
		}
	}
}

// Bad input gives the right sentinel error and leaves the state untouched.
func TestBadInputSentinelsStateUnchanged(t *testing.T) {
	c := raftmetatest.New(t, 3, raftmetatest.Options{})
	leader := waitReady(t, c)
	ctx := testCtx(t, 30*time.Second)
	m := c.Meta(follower(t, c, leader))
	mkRepo(t, ctx, m, "good")
	b := commit(t, ctx, m, "good", "one")
	before, err := c.Converged(ctx, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	d := model.DefaultContext
	cases := []struct {
		name string
		want error
		run  func() error
	}{
		{"bad repo name", model.ErrInvalid, func() error {
			_, err := m.CreateRepo(ctx, model.Repo{Context: d, Name: "no/slash", Description: "x"})
			return err
		}},
		{"missing description", model.ErrInvalid, func() error {
			_, err := m.CreateRepo(ctx, model.Repo{Context: d, Name: "nodesc"})
			return err
		}},
		{"duplicate repo", model.ErrExists, func() error {
			_, err := m.CreateRepo(ctx, model.Repo{Context: d, Name: "good", Description: "x"})
			return err
		}},
		{"duplicate context", model.ErrExists, func() error {
			_, err := m.CreateContext(ctx, model.Context{Name: d})
			return err
		}},
		{"unknown context", model.ErrNotFound, func() error {
			_, err := m.CreateRepo(ctx, model.Repo{Context: "ghost", Name: "x", Description: "x"})
			return err
		}},
		{"unknown bundle in SetLabel", model.ErrNotFound, func() error {
			_, err := m.SetLabel(ctx, model.LabelSet{Context: d, Repo: "good", Name: "l", BundleID: "nope"})
			return err
		}},
		{"bad label name", model.ErrInvalid, func() error {
			_, err := m.SetLabel(ctx, model.LabelSet{Context: d, Repo: "good", Name: ".hidden", BundleID: b.ID})
			return err
		}},
		{"IfMatch on missing label", model.ErrPrecondition, func() error {
			_, err := m.SetLabel(ctx, model.LabelSet{Context: d, Repo: "good", Name: "l", BundleID: b.ID, IfMatch: b.ID})
			return err
		}},
		{"unknown parent", model.ErrNotFound, func() error {
			_, err := m.CommitBundle(ctx, model.Bundle{Context: d, Repo: "good", Message: "m", Parents: []string{"zz"}}, nil)
			return err
		}},
		{"commit with failing label leaves no bundle", model.ErrPrecondition, func() error {
			_, err := m.CommitBundle(ctx, model.Bundle{Context: d, Repo: "good", Message: "m"},
				&model.LabelSet{Name: "l", IfMatch: b.ID})
			return err
		}},
		{"unknown repo delete", model.ErrNotFound, func() error { return m.DeleteRepo(ctx, d, "ghost") }},
		{"oversized command", model.ErrInvalid, func() error {
			_, err := m.CommitBundle(ctx, model.Bundle{Context: d, Repo: "good", Message: strings.Repeat("x", raftmeta.MaxCommandSize)}, nil)
			return err
		}},
		{"empty access key", model.ErrInvalid, func() error { return m.PutAccessKey(ctx, model.AccessKey{ID: "k"}) }},
		{"missing access key", model.ErrNotFound, func() error {
			_, err := m.GetAccessKey(ctx, "ghost")
			return err
		}},
		{"remove unknown node", model.ErrNotFound, func() error { return m.RemoveNode(ctx, "ghost") }},
	}
	for _, tc := range cases {
		if err := tc.run(); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	after, err := c.Converged(ctx, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if before != after {
		t.Fatalf("state hash changed: %s -> %s", before, after)
	}
	// ... while real changes do change it; delete removes repo, bundles, labels
	if _, err := m.SetLabel(ctx, model.LabelSet{Context: d, Repo: "good", Name: "l", BundleID: b.ID}); err != nil {
		t.Fatal(err)
	}
	if err := m.DeleteRepo(ctx, d, "good"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []func() error{
		func() error { _, err := m.GetRepo(ctx, d, "good"); return err },
		func() error { _, err := m.GetBundle(ctx, d, "good", b.ID); return err },
		func() error { _, err := m.GetLabel(ctx, d, "good", "l"); return err },
		func() error { _, err := m.LabelHistory(ctx, d, "good", "l"); return err },
	} {
		if err := f(); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("after delete: %v", err)
		}
	}
	if h, _ := c.Converged(ctx, 10*time.Second); h == after {
		t.Fatal("state hash did not change after real writes")
	}
}

func TestContextsReposKeysAndCommitWithLabel(t *testing.T) {
	root := &model.AccessKey{ID: "root", Secret: "s3cret", Root: true}
	c := raftmetatest.New(t, 3, raftmetatest.Options{RootKey: root})
	leader := waitReady(t, c)
	ctx := testCtx(t, 30*time.Second)
	m := c.Meta(follower(t, c, leader))
	if k, err := m.GetAccessKey(ctx, "root"); err != nil || !k.Root || k.Secret != "s3cret" {
		t.Fatalf("root key %+v %v", k, err)
	}
	if _, err := m.CreateContext(ctx, model.Context{Name: "prod", Description: "p"}); err != nil {
		t.Fatal(err)
	}
	cs, err := m.ListContexts(ctx)
	if err != nil || len(cs) != 2 || cs[0].Name != "default" || cs[1].Name != "prod" {
		t.Fatalf("contexts %+v %v", cs, err)
	}
	for _, n := range []string{"b", "a", "ab"} {
		if _, err := m.CreateRepo(ctx, model.Repo{Context: "prod", Name: n, Description: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	rs, err := m.ListRepos(ctx, "prod")
	if err != nil || len(rs) != 3 || rs[0].Name != "a" || rs[1].Name != "ab" {
		t.Fatalf("repos %+v %v", rs, err)
	}
	if _, err := m.ListRepos(ctx, "ghost"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("ListRepos ghost: %v", err)
	}
	b, err := m.CommitBundle(ctx, model.Bundle{Context: "prod", Repo: "a", Message: "m"},
		&model.LabelSet{Name: "latest", IfNotExists: true, Contributor: model.Contributor{Name: "ci"}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := c.Meta(leader).GetLabel(ctx, "prod", "a", "latest")
	if err != nil || l.BundleID != b.ID || l.Contributor.Name != "ci" {
		t.Fatalf("label %+v %v", l, err)
	}
	ls, err := m.ListLabels(ctx, "prod", "a", "lat")
	if err != nil || len(ls) != 1 {
		t.Fatalf("labels %+v %v", ls, err)
	}
	if err := m.PutAccessKey(ctx, model.AccessKey{ID: "u1", Secret: "x", Grants: map[string]model.Permission{"prod/*": model.PermRead}}); err != nil {
		t.Fatal(err)
	}
	if k, err := c.Meta(leader).GetAccessKey(ctx, "u1"); err != nil || k.Grants["prod/*"] != model.PermRead {
		t.Fatalf("key %+v %v", k, err)
	}
}
