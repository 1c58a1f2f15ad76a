package raftmeta_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
)

// SwapManifests is compare-and-set on each bundle's manifest root, all or
// nothing per call: a stale old root (a concurrent rewrite) is refused with
// ErrPrecondition and changes no bundle; of two concurrent rewrites from
// the same root exactly one wins. IDs, labels and the rest stay.
func TestSwapManifestsCompareAndSet(t *testing.T) {
	c := raftmetatest.New(t, 3, raftmetatest.Options{})
	leader := waitReady(t, c)
	ctx := testCtx(t, 60*time.Second)
	m := c.Meta(follower(t, c, leader))
	d := model.DefaultContext
	mkRepo(t, ctx, m, "pii")
	b1 := commit(t, ctx, m, "pii", "one")
	b2 := commit(t, ctx, m, "pii", "two", b1.ID)
	if _, err := m.SetLabel(ctx, model.LabelSet{Context: d, Repo: "pii", Name: "main", BundleID: b2.ID}); err != nil {
		t.Fatal(err)
	}
	root := func(s string) chunk.ID { return chunk.Sum([]byte(s)) }

	// Both bundles at once.
	got, err := m.SwapManifests(ctx, d, "pii", []model.ManifestSwap{
		{BundleID: b1.ID, OldRoot: b1.ManifestRoot, NewRoot: root("one'"), FileCount: 7, ByteCount: 70},
		{BundleID: b2.ID, OldRoot: b2.ManifestRoot, NewRoot: root("two'"), FileCount: 8, ByteCount: 80},
	})
	if err != nil || len(got) != 2 || got[0].ManifestRoot != root("one'") || got[1].FileCount != 8 {
		t.Fatalf("swap: %+v %v", got, err)
	}
	check := func(id string, want chunk.ID, files uint64, msg string, parents []string) {
		t.Helper()
		for _, n := range c.Running() {
			b, err := c.Meta(n).GetBundle(ctx, d, "pii", id)
			if err != nil || b.ManifestRoot != want || b.FileCount != files || b.Message != msg || len(b.Parents) != len(parents) {
				t.Fatalf("%s on %s: %+v %v, want root %s, %d files", id, n, b, err, want, files)
			}
		}
	}
	check(b1.ID, root("one'"), 7, "one", nil)
	check(b2.ID, root("two'"), 8, "two", []string{b1.ID})

	// A stale old root on one bundle: nothing changes, not even the other one.
	_, err = m.SwapManifests(ctx, d, "pii", []model.ManifestSwap{
		{BundleID: b2.ID, OldRoot: root("two'"), NewRoot: root("two''"), FileCount: 1},
		{BundleID: b1.ID, OldRoot: b1.ManifestRoot, NewRoot: root("one''"), FileCount: 1},
	})
	if !errors.Is(err, model.ErrPrecondition) {
		t.Fatalf("stale old root: %v", err)
	}
	check(b1.ID, root("one'"), 7, "one", nil)
	check(b2.ID, root("two'"), 8, "two", []string{b1.ID})

	// Two rewriters race from the same root: exactly one wins.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mm := c.Meta(c.Running()[i])
			_, errs[i] = mm.SwapManifests(ctx, d, "pii", []model.ManifestSwap{
				{BundleID: b1.ID, OldRoot: root("one'"), NewRoot: root("racer" + string(rune('a'+i))), FileCount: uint64(i)}})
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, model.ErrPrecondition):
			t.Fatalf("racer: %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d racers won: %v", wins, errs)
	}

	// Unknown bundle, unknown repo, bad input.
	if _, err := m.SwapManifests(ctx, d, "pii", []model.ManifestSwap{{BundleID: "nope", NewRoot: root("x")}}); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("unknown bundle: %v", err)
	}
	if _, err := m.SwapManifests(ctx, d, "gone", []model.ManifestSwap{{BundleID: b1.ID, NewRoot: root("x")}}); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("unknown repo: %v", err)
	}
	for _, bad := range [][]model.ManifestSwap{nil, {{BundleID: b1.ID}}, {{BundleID: b1.ID, NewRoot: root("x")}, {BundleID: b1.ID, NewRoot: root("y")}}} {
		if _, err := m.SwapManifests(ctx, d, "pii", bad); !errors.Is(err, model.ErrInvalid) {
			t.Fatalf("bad swaps %+v: %v", bad, err)
		}
	}
	// The label still names the same bundle.
	if l, err := m.GetLabel(ctx, d, "pii", "main"); err != nil || l.BundleID != b2.ID {
		t.Fatalf("label %+v %v", l, err)
	}
}
