package raftmeta_test

import (
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
)

// squashRun is one squash the test made: the horizon it carried and what
// it reported.
type squashRun struct {
	horizon string
	res     model.RepoSquash
}

// Squash under concurrent uploads keeps every bundle it should: writers
// commit bundles (some with a semantic-version label, some with another
// label) through every node while squashes (retain 2 latest, semver tags)
// run one after another, half with the horizon of a dry run made just
// before, half with the server's. Because bundle IDs sort in apply order,
// every bundle at or before a squash's horizon was applied before the
// squash, so the test can replay the rule exactly: each squash must have
// deleted precisely what the rule says, and the final repo must be every
// committed bundle minus those. Bundles newer than a squash's horizon
// (committed after it looked) are never deleted.
func TestSquashUnderConcurrentUploads(t *testing.T) {
	c := raftmetatest.New(t, 3, raftmetatest.Options{})
	leader := waitReady(t, c)
	ctx := testCtx(t, 120*time.Second)
	d, repo := model.DefaultContext, "busy"
	mkRepo(t, ctx, c.Meta(leader), repo)
	head, err := c.Meta(leader).CommitBundle(ctx, model.Bundle{Context: d, Repo: repo, Message: "head"},
		&model.LabelSet{Name: model.DefaultHeadLabel})
	if err != nil {
		t.Fatal(err)
	}

	var (
		mu        sync.Mutex
		committed = []string{head.ID}
		labelsOf  = map[string]string{head.ID: model.DefaultHeadLabel}
		wg        sync.WaitGroup
		errs      = make(chan error, 16)
	)
	const writers, perWriter = 3, 30
	ids := c.Running()
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := c.Meta(ids[w%len(ids)])
			for i := 0; i < perWriter; i++ {
				var ls *model.LabelSet
				switch i % 4 {
				case 1:
					ls = &model.LabelSet{Name: fmt.Sprintf("v%d.%d.0", w, i)}
				case 2:
					ls = &model.LabelSet{Name: fmt.Sprintf("t-%d-%d", w, i)}
				}
				b, err := m.CommitBundle(ctx, model.Bundle{Context: d, Repo: repo, Message: "m"}, ls)
				if err != nil {
					errs <- fmt.Errorf("writer %d commit %d: %w", w, i, err)
					return
				}
				mu.Lock()
				committed = append(committed, b.ID)
				if ls != nil {
					labelsOf[b.ID] = ls.Name
				}
				mu.Unlock()
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	var runs []squashRun
	sq := c.Meta(follower(t, c, leader))
	req := model.SquashRequest{RetainLatest: 2, RetainSemverTags: true}
	for stop := false; !stop || len(runs) < 6; {
		select {
		case <-done:
			stop = true
		default:
		}
		r := req
		if len(runs)%2 == 0 { // horizon from a dry run, as the CLI does
			dry := req
			dry.DryRun = true
			plan, err := sq.Squash(ctx, d, repo, dry)
			if err != nil {
				t.Fatal(err)
			}
			r.Horizons = map[string]string{}
			if h := plan.Repos[0].Horizon; h != "" {
				r.Horizons[repo] = h
			}
		}
		res, err := sq.Squash(ctx, d, repo, r)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, squashRun{horizon: res.Repos[0].Horizon, res: res.Repos[0]})
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	// Replay the rule over what was committed.
	sort.Strings(committed)
	alive := map[string]bool{}
	for _, id := range committed {
		alive[id] = true
	}
	deletedSome := false
	for k, run := range runs {
		if run.horizon == "" {
			t.Fatalf("squash %d carried no horizon", k)
		}
		var cand []string
		for _, id := range committed {
			if id <= run.horizon && alive[id] {
				cand = append(cand, id)
			}
		}
		var want []string
		for i, id := range cand {
			l, labelled := labelsOf[id]
			if i >= len(cand)-req.RetainLatest || l == model.DefaultHeadLabel || (labelled && l[0] == 'v') {
				continue
			}
			want = append(want, id)
			delete(alive, id)
		}
		if run.res.Deleted != len(want) {
			t.Errorf("squash %d (horizon %s): deleted %d, the rule says %d", k, run.horizon, run.res.Deleted, len(want))
		}
		deletedSome = deletedSome || len(want) > 0
	}
	if !deletedSome {
		t.Fatal("no squash deleted anything: the test did not exercise squash")
	}
	var wantIDs, wantLabels []string
	for _, id := range committed {
		if alive[id] {
			wantIDs = append(wantIDs, id)
			if l, ok := labelsOf[id]; ok {
				wantLabels = append(wantLabels, l)
			}
		}
	}
	sort.Strings(wantLabels)
	got := bundleSet(t, ctx, sq, repo)
	last := runs[len(runs)-1].horizon
	for _, id := range committed {
		if id > last && !slices.Contains(got, id) {
			t.Errorf("bundle %s, committed after the last squash's horizon %s, is gone", id, last)
		}
	}
	if !slices.Equal(got, wantIDs) {
		t.Errorf("repo has %d bundles, the rule leaves %d:\n got %v\nwant %v", len(got), len(wantIDs), got, wantIDs)
	}
	if gotL := labelNames(t, ctx, sq, repo); !slices.Equal(gotL, wantLabels) {
		t.Errorf("labels %v, want %v", gotL, wantLabels)
	}
	if _, err := c.Converged(ctx, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d bundles committed, %d squashes, %d left", len(committed), len(runs), len(got))
}
