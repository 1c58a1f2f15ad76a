package raftmeta_test

import (
	"context"
	"errors"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
)

// squashFixture commits b0..b6 to a new repo and labels them:
// head→b2, keep→b3, v1.0.0→b4, 1.2.3-rc.1→b1, v1.2→b0 (not a semantic
// version). It returns the bundle IDs in commit order.
func squashFixture(t *testing.T, ctx context.Context, m *raftmeta.Meta, repo, head string) []string {
	t.Helper()
	if _, err := m.CreateRepo(ctx, model.Repo{Context: model.DefaultContext, Name: repo, Description: "d", HeadLabel: head}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := 0; i < 7; i++ {
		ids = append(ids, commit(t, ctx, m, repo, "m"+string(rune('0'+i))).ID)
	}
	if head == "" {
		head = model.DefaultHeadLabel
	}
	for name, i := range map[string]int{head: 2, "keep": 3, "v1.0.0": 4, "1.2.3-rc.1": 1, "v1.2": 0} {
		if _, err := m.SetLabel(ctx, model.LabelSet{Context: model.DefaultContext, Repo: repo, Name: name, BundleID: ids[i]}); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

func bundleSet(t *testing.T, ctx context.Context, m *raftmeta.Meta, repo string) []string {
	t.Helper()
	bs, err := m.ListBundles(ctx, model.DefaultContext, repo)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, b := range bs {
		out = append(out, b.ID)
	}
	return out
}

func labelNames(t *testing.T, ctx context.Context, m *raftmeta.Meta, repo string) []string {
	t.Helper()
	ls, err := m.ListLabels(ctx, model.DefaultContext, repo, "")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range ls {
		out = append(out, l.Name)
	}
	sort.Strings(out)
	return out
}

func pick(ids []string, idx ...int) []string {
	var out []string
	for _, i := range idx {
		out = append(out, ids[i])
	}
	return out
}

// The retention rule: the N latest at or before the horizon, the head
// label's bundle always, every label's with RetainTags, semantic-version
// labels' with RetainSemverTags; labels of deleted bundles go with them; a
// dry run deletes nothing and predicts the squash.
func TestSquashRetention(t *testing.T) {
	c := raftmetatest.New(t, 3, raftmetatest.Options{})
	leader := waitReady(t, c)
	ctx := testCtx(t, 60*time.Second)
	m := c.Meta(follower(t, c, leader)) // squash is forwarded to the leader
	d := model.DefaultContext
	cases := []struct {
		repo, head string
		req        model.SquashRequest
		horizon    int // index of the horizon bundle; -1: none given (server takes the newest)
		kept       []int
		labels     []string
	}{
		{repo: "latest2", req: model.SquashRequest{RetainLatest: 2}, horizon: -1,
			kept: []int{2, 5, 6}, labels: []string{"main"}},
		{repo: "tags", req: model.SquashRequest{RetainLatest: 1, RetainTags: true}, horizon: -1,
			kept: []int{0, 1, 2, 3, 4, 6}, labels: []string{"1.2.3-rc.1", "keep", "main", "v1.0.0", "v1.2"}},
		{repo: "semver", req: model.SquashRequest{RetainLatest: 1, RetainSemverTags: true}, horizon: -1,
			kept: []int{1, 2, 4, 6}, labels: []string{"1.2.3-rc.1", "main", "v1.0.0"}},
		{repo: "horizon", req: model.SquashRequest{RetainLatest: 1}, horizon: 3,
			kept: []int{2, 3, 4, 5, 6}, labels: []string{"keep", "main", "v1.0.0"}},
		{repo: "trunk", head: "trunk", req: model.SquashRequest{RetainLatest: 1}, horizon: 6,
			kept: []int{2, 6}, labels: []string{"trunk"}},
	}
	for _, tc := range cases {
		ids := squashFixture(t, ctx, m, tc.repo, tc.head)
		req := tc.req
		if tc.horizon >= 0 {
			req.Horizons = map[string]string{tc.repo: ids[tc.horizon]}
		}
		dry := req
		dry.DryRun = true
		plan, err := m.Squash(ctx, d, tc.repo, dry)
		if err != nil {
			t.Fatalf("%s: dry run: %v", tc.repo, err)
		}
		if got := bundleSet(t, ctx, m, tc.repo); !slices.Equal(got, ids) {
			t.Fatalf("%s: dry run deleted bundles: %v", tc.repo, got)
		}
		res, err := m.Squash(ctx, d, tc.repo, req)
		if err != nil {
			t.Fatalf("%s: squash: %v", tc.repo, err)
		}
		want := pick(ids, tc.kept...)
		if got := bundleSet(t, ctx, m, tc.repo); !slices.Equal(got, want) {
			t.Errorf("%s: kept %v, want %v (all %v)", tc.repo, got, want, ids)
		}
		if got := labelNames(t, ctx, m, tc.repo); !slices.Equal(got, tc.labels) {
			t.Errorf("%s: labels %v, want %v", tc.repo, got, tc.labels)
		}
		wantHorizon := ids[6]
		if tc.horizon >= 0 {
			wantHorizon = ids[tc.horizon]
		}
		r := model.RepoSquash{Repo: tc.repo, Horizon: wantHorizon, Deleted: 7 - len(tc.kept), Kept: len(tc.kept), LabelsDeleted: 5 - len(tc.labels)}
		if len(res.Repos) != 1 || res.Repos[0] != r || res.Deleted != r.Deleted || res.Kept != r.Kept || res.DryRun {
			t.Errorf("%s: result %+v, want %+v", tc.repo, res, r)
		}
		if !plan.DryRun || len(plan.Repos) != 1 || plan.Repos[0] != r {
			t.Errorf("%s: dry run %+v, want %+v", tc.repo, plan, r)
		}
		// again: the kept set is stable (the N latest are still the N latest)
		again, err := m.Squash(ctx, d, tc.repo, req)
		if err != nil || again.Deleted != 0 || again.Kept != len(tc.kept) {
			t.Errorf("%s: second squash %+v %v", tc.repo, again, err)
		}
	}

	// Dangling parents are the documented consequence; a new commit cannot
	// name a deleted parent, nor a label a deleted bundle.
	ids := squashFixture(t, ctx, m, "parents", "")
	if _, err := m.Squash(ctx, d, "parents", model.SquashRequest{RetainLatest: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.CommitBundle(ctx, model.Bundle{Context: d, Repo: "parents", Message: "x", Parents: []string{ids[0]}}, nil); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("commit on a squashed parent: %v", err)
	}
	if _, err := m.SetLabel(ctx, model.LabelSet{Context: d, Repo: "parents", Name: "back", BundleID: ids[0]}); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("label on a squashed bundle: %v", err)
	}

	// An empty horizon map: the caller saw nothing, nothing is deleted.
	ids = squashFixture(t, ctx, m, "sawnothing", "")
	res, err := m.Squash(ctx, d, "sawnothing", model.SquashRequest{RetainLatest: 1, Horizons: map[string]string{}})
	if err != nil || res.Deleted != 0 || res.Kept != 7 || !slices.Equal(bundleSet(t, ctx, m, "sawnothing"), ids) {
		t.Fatalf("empty horizons: %+v %v", res, err)
	}

	for name, tc := range map[string]struct {
		ctx, repo string
		req       model.SquashRequest
		want      error
	}{
		"retain 0":        {d, "sawnothing", model.SquashRequest{}, model.ErrInvalid},
		"bad horizon":     {d, "sawnothing", model.SquashRequest{RetainLatest: 1, Horizons: map[string]string{"sawnothing": "nope"}}, model.ErrInvalid},
		"bad horizon key": {d, "sawnothing", model.SquashRequest{RetainLatest: 1, Horizons: map[string]string{"a/b": ids[0]}}, model.ErrInvalid},
		"bad repo":        {d, "a/b", model.SquashRequest{RetainLatest: 1}, model.ErrInvalid},
		"no repo":         {d, "nope", model.SquashRequest{RetainLatest: 1}, model.ErrNotFound},
		"no repo applied": {d, "nope", model.SquashRequest{RetainLatest: 1, Horizons: map[string]string{}}, model.ErrNotFound},
		"no context":      {"nope", "", model.SquashRequest{RetainLatest: 1}, model.ErrNotFound},
	} {
		if _, err := m.Squash(ctx, tc.ctx, tc.repo, tc.req); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
	if _, err := c.Converged(ctx, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

// A context squash covers every repo of the context, each with its own
// horizon; a repo without a horizon entry is left alone.
func TestSquashContext(t *testing.T) {
	c := raftmetatest.New(t, 3, raftmetatest.Options{})
	leader := waitReady(t, c)
	ctx := testCtx(t, 60*time.Second)
	m := c.Meta(leader)
	a := squashFixture(t, ctx, m, "a", "")
	b := squashFixture(t, ctx, m, "b", "")
	squashFixture(t, ctx, m, "c", "")
	mkRepo(t, ctx, m, "empty")
	if _, err := m.CreateContext(ctx, model.Context{Name: "other"}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.CreateRepo(ctx, model.Repo{Context: "other", Name: "a", Description: "d"}); err != nil {
		t.Fatal(err)
	}
	res, err := m.Squash(ctx, model.DefaultContext, "", model.SquashRequest{RetainLatest: 1,
		Horizons: map[string]string{"a": a[6], "b": b[4], "gone": a[6]}})
	if err != nil {
		t.Fatal(err)
	}
	want := model.SquashResult{Context: model.DefaultContext, Deleted: 5 + 3, Kept: 2 + 4 + 7, LabelsDeleted: 4 + 3,
		Repos: []model.RepoSquash{{Repo: "a", Horizon: a[6], Deleted: 5, Kept: 2, LabelsDeleted: 4},
			{Repo: "b", Horizon: b[4], Deleted: 3, Kept: 4, LabelsDeleted: 3}, {Repo: "c", Kept: 7}, {Repo: "empty"}}}
	if res.Context != want.Context || res.Deleted != want.Deleted || res.Kept != want.Kept ||
		res.LabelsDeleted != want.LabelsDeleted || !slices.Equal(res.Repos, want.Repos) {
		t.Fatalf("context squash %+v, want %+v", res, want)
	}
	if got := bundleSet(t, ctx, m, "b"); !slices.Equal(got, pick(b, 2, 4, 5, 6)) {
		t.Fatalf("repo b kept %v", got)
	}
	// without horizons: every repo up to its newest bundle
	res, err = m.Squash(ctx, model.DefaultContext, "", model.SquashRequest{RetainLatest: 1})
	if err != nil || res.Deleted != 0+2+5 || res.Kept != 2+2+2 {
		t.Fatalf("context squash without horizons: %+v %v", res, err)
	}
}
