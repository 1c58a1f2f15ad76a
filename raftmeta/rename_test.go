package raftmeta_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
)

// A rename moves the descriptor, bundles (same IDs), labels with their
// history and access key grants in one command; it refuses an existing
// target, a bad name and a repo with an open S3 draft, and changes nothing
// when it refuses. Readers of the repo list never see both names or none.
func TestRenameRepoMovesEverythingAtomically(t *testing.T) {
	c := raftmetatest.New(t, 3, raftmetatest.Options{})
	leader := waitReady(t, c)
	ctx := testCtx(t, 60*time.Second)
	m := c.Meta(follower(t, c, leader))
	d := model.DefaultContext
	who := model.Contributor{Name: "Ann", Email: "ann@x"}
	if _, err := m.CreateRepo(ctx, model.Repo{Context: d, Name: "old", Description: "the data", Contributor: who, HeadLabel: "trunk"}); err != nil {
		t.Fatal(err)
	}
	mkRepo(t, ctx, m, "taken")
	mkRepo(t, ctx, m, "old2") // a name sharing the prefix: must not move
	b1 := commit(t, ctx, m, "old", "one")
	b2 := commit(t, ctx, m, "old", "two", b1.ID)
	other := commit(t, ctx, m, "old2", "other")
	for _, ls := range []model.LabelSet{{Name: "trunk", BundleID: b1.ID}, {Name: "trunk", BundleID: b2.ID}, {Name: "v1", BundleID: b1.ID}} {
		ls.Context, ls.Repo = d, "old"
		if _, err := m.SetLabel(ctx, ls); err != nil {
			t.Fatal(err)
		}
	}
	keys := []model.AccessKey{
		{ID: "k-write", Secret: "s", Grants: map[string]model.Permission{d + "/old": model.PermWrite, d + "/old2": model.PermRead}},
		{ID: "k-both", Secret: "s", Grants: map[string]model.Permission{d + "/old": model.PermRead, d + "/new": model.PermAdmin}},
		{ID: "k-ctx", Secret: "s", Grants: map[string]model.Permission{d + "/*": model.PermRead}},
	}
	for _, k := range keys {
		if err := m.PutAccessKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	// Refusals change nothing.
	if _, err := m.RenameRepo(ctx, d, "old", "taken"); !errors.Is(err, model.ErrExists) {
		t.Fatalf("rename onto an existing repo: %v", err)
	}
	if _, err := m.RenameRepo(ctx, d, "old", "bad/name"); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("bad name: %v", err)
	}
	if _, err := m.RenameRepo(ctx, d, "nope", "new"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("missing source: %v", err)
	}
	if _, err := m.PutDraft(ctx, d, "old", raftmeta.DraftEntry{Path: "x"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := m.RenameRepo(ctx, d, "old", "new"); !errors.Is(err, model.ErrPrecondition) {
		t.Fatalf("rename with an open draft: %v", err)
	}
	if err := m.DiscardDraft(ctx, d, "old"); err != nil {
		t.Fatal(err)
	}
	up, err := m.CreateUpload(ctx, d, "old", raftmeta.Upload{Key: "big"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.RenameRepo(ctx, d, "old", "new"); !errors.Is(err, model.ErrPrecondition) {
		t.Fatalf("rename with an open multipart upload: %v", err)
	}
	if err := m.AbortUpload(ctx, d, "old", up.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Meta(leader).GetRepo(ctx, d, "new"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("refused renames created the target: %v", err)
	}

	// Watch the repo list while renaming: exactly one of the names, always.
	var stop atomic.Bool
	var seen sync.Map
	watchErr := make(chan error, 1)
	go func() {
		defer close(watchErr)
		for !stop.Load() {
			rs, err := c.Meta(leader).ListRepos(ctx, d)
			if err != nil {
				watchErr <- err
				return
			}
			n := 0
			for _, r := range rs {
				if r.Name == "old" || r.Name == "new" {
					n++
					seen.Store(r.Name, true)
				}
			}
			if n != 1 {
				watchErr <- fmt.Errorf("repo list holds %d of old/new: %v", n, rs)
				return
			}
		}
	}()
	res, err := m.RenameRepo(ctx, d, "old", "new")
	if err != nil {
		t.Fatal(err)
	}
	// Keep watching until the rename is visible to the watcher.
	if err := raftmetatest.WaitFor(10*time.Second, func() error {
		if _, ok := seen.Load("new"); !ok {
			return errors.New("watcher has not seen the new name")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	stop.Store(true)
	if err := <-watchErr; err != nil {
		t.Fatal(err)
	}
	if res.Bundles != 2 || res.Labels != 2 || res.KeyRefs != 2 || res.Repo.Name != "new" {
		t.Fatalf("result %+v, want 2 bundles, 2 labels, 2 key refs", res)
	}

	for _, id := range c.Running() {
		checkRenamed(t, c.Meta(id), []model.Bundle{b1, b2}, other)
	}
	r, err := c.Meta(leader).GetRepo(ctx, d, "new")
	if err != nil || r.Description != "the data" || r.Contributor != who || r.HeadLabel != "trunk" || r.Timestamp.IsZero() {
		t.Fatalf("renamed descriptor %+v %v", r, err)
	}
	wantGrants := map[string]map[string]model.Permission{
		"k-write": {d + "/new": model.PermWrite, d + "/old2": model.PermRead},
		"k-both":  {d + "/new": model.PermAdmin}, // the higher of the two
		"k-ctx":   {d + "/*": model.PermRead},
	}
	for id, want := range wantGrants {
		k, err := c.Meta(leader).GetAccessKey(ctx, id)
		if err != nil || len(k.Grants) != len(want) {
			t.Fatalf("key %s: %+v %v, want %v", id, k.Grants, err, want)
		}
		for g, p := range want {
			if k.Grants[g] != p {
				t.Fatalf("key %s: %v, want %v", id, k.Grants, want)
			}
		}
	}
	// Every node applied the same state.
	if err := raftmetatest.WaitFor(10*time.Second, func() error {
		var hs []string
		for _, id := range c.Running() {
			h, err := c.Meta(id).StateHash(ctx)
			if err != nil {
				return err
			}
			hs = append(hs, h)
		}
		if len(slices.Compact(slices.Clone(hs))) != 1 {
			return fmt.Errorf("state hashes differ: %v", hs)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// The old name is free again.
	mkRepo(t, ctx, m, "old")
	if bs, err := m.ListBundles(ctx, d, "old"); err != nil || len(bs) != 0 {
		t.Fatalf("recreated old repo has bundles %v %v", bs, err)
	}
}

func checkRenamed(t *testing.T, m *raftmeta.Meta, want []model.Bundle, other model.Bundle) {
	t.Helper()
	ctx := testCtx(t, 10*time.Second)
	d := model.DefaultContext
	if _, err := m.GetRepo(ctx, d, "old"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("old name still there: %v", err)
	}
	if _, err := m.ListBundles(ctx, d, "old"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("old bundles: %v", err)
	}
	bs, err := m.ListBundles(ctx, d, "new")
	if err != nil || len(bs) != len(want) {
		t.Fatalf("new bundles %+v %v", bs, err)
	}
	for i, b := range bs {
		w := want[i]
		if b.ID != w.ID || b.Repo != "new" || b.ManifestRoot != w.ManifestRoot || b.Message != w.Message ||
			!b.Timestamp.Equal(w.Timestamp) || !slices.Equal(b.Parents, w.Parents) {
			t.Fatalf("bundle %d: %+v, want %+v under the new name", i, b, w)
		}
		if g, err := m.GetBundle(ctx, d, "new", w.ID); err != nil || g.ID != w.ID {
			t.Fatalf("get bundle %s: %v", w.ID, err)
		}
	}
	ls, err := m.ListLabels(ctx, d, "new", "")
	if err != nil || len(ls) != 2 || ls[0].Name != "trunk" || ls[0].BundleID != want[1].ID || ls[0].Repo != "new" ||
		ls[1].Name != "v1" || ls[1].BundleID != want[0].ID {
		t.Fatalf("labels %+v %v", ls, err)
	}
	h, err := m.LabelHistory(ctx, d, "new", "trunk")
	if err != nil || len(h) != 2 || h[1].From != want[0].ID || h[1].To != want[1].ID {
		t.Fatalf("history %+v %v", h, err)
	}
	if _, err := m.LabelHistory(ctx, d, "old", "trunk"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("old history: %v", err)
	}
	if bs, err := m.ListBundles(ctx, d, "old2"); err != nil || len(bs) != 1 || bs[0].ID != other.ID {
		t.Fatalf("old2 (shares the prefix) changed: %+v %v", bs, err)
	}
}
