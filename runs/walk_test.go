package runs_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
	"github.com/datamon-io/datamon/runs"
)

const d = model.DefaultContext

type pipeline struct {
	m                   *raftmeta.Meta
	raw, feat, mdl, rep model.Bundle
	ingest, train, eval model.Run
}

// threeSteps builds ingest -> train -> evaluate over a one-node cluster:
// ingest writes raw; train reads raw@main and writes model; evaluate reads
// model@main and raw (by ID) and writes report.
func threeSteps(t *testing.T) pipeline {
	t.Helper()
	c := raftmetatest.New(t, 1, raftmetatest.Options{})
	if _, err := c.Leader(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	m := c.Meta("n1")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := raftmetatest.WaitFor(10*time.Second, func() error { _, err := m.GetContext(ctx, d); return err }); err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"raw", "model", "report"} {
		if _, err := m.CreateRepo(ctx, model.Repo{Context: d, Name: r, Description: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	p := pipeline{m: m}
	step := func(name string, in []model.InputRef, out string) (model.Run, model.Bundle) {
		r, err := m.StartRun(ctx, model.RunStart{Context: d, Name: name, Owner: "ci", Inputs: in,
			Code: model.CodeRef{Repo: "https://git.example/p", Commit: name + "-sha"}})
		if err != nil {
			t.Fatal(err)
		}
		b, err := m.CommitBundle(ctx, model.Bundle{Context: d, Repo: out, Message: name, Run: r.ID,
			ManifestRoot: chunk.Sum([]byte(name)), FileCount: 1, ByteCount: 1}, &model.LabelSet{Name: "main"})
		if err != nil {
			t.Fatal(err)
		}
		if r, err = m.FinishRun(ctx, r.ID, model.RunActor{Name: "ci"}, model.RunSucceeded, ""); err != nil {
			t.Fatal(err)
		}
		return r, b
	}
	p.ingest, p.raw = step("ingest", nil, "raw")
	p.train, p.mdl = step("train", []model.InputRef{{Repo: "raw", Ref: "main", Path: "train/"}}, "model")
	p.eval, p.rep = step("evaluate", []model.InputRef{{Repo: "model", Ref: "main"}, {Repo: "raw", Ref: p.raw.ID}}, "report")
	return p
}

func keys(l model.Lineage) map[string]int {
	out := map[string]int{}
	for _, n := range l.Nodes {
		out[n.Key] = n.Depth
	}
	return out
}

func TestLineageWalk(t *testing.T) {
	p := threeSteps(t)
	ctx := context.Background()
	w, err := runs.NewWalker(runs.WalkConfig{}, p.m)
	if err != nil {
		t.Fatal(err)
	}
	rk, bk := model.RunNodeKey, func(b model.Bundle) string { return model.BundleNodeKey(b.Context, b.Repo, b.ID) }

	up, err := w.Walk(ctx, model.LineageQuery{Direction: model.Upstream, Context: d, Repo: "report", Bundle: p.rep.ID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{bk(p.rep): 0, rk(p.eval.ID): 1, bk(p.mdl): 1, bk(p.raw): 1, rk(p.train.ID): 2, rk(p.ingest.ID): 2}
	if got := keys(up); !mapsEqual(got, want) {
		t.Fatalf("upstream nodes %v, want %v", got, want)
	}
	if up.Root != bk(p.rep) || len(up.Edges) != 6 || up.Truncated {
		t.Fatalf("upstream: root %s, %d edges %+v", up.Root, len(up.Edges), up.Edges)
	}
	var tree bytes.Buffer
	if err := runs.Tree(&tree, up); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"evaluate", "train", "ingest", "train-sha", "ingest-sha", "(label main)", "(path train/)", "see above"} {
		if !strings.Contains(tree.String(), s) {
			t.Errorf("tree lacks %q:\n%s", s, tree.String())
		}
	}

	down, err := w.Walk(ctx, model.LineageQuery{Direction: model.Downstream, Context: d, Repo: "raw", Bundle: p.raw.ID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want = map[string]int{bk(p.raw): 0, rk(p.train.ID): 1, rk(p.eval.ID): 1, bk(p.mdl): 1, bk(p.rep): 1}
	if got := keys(down); !mapsEqual(got, want) {
		t.Fatalf("downstream nodes %v, want %v", got, want)
	}
	// From the ingest run: it and raw, then the rest one hop later.
	fromRun, err := w.Walk(ctx, model.LineageQuery{Direction: model.Downstream, RunID: p.ingest.ID, Depth: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(fromRun); !mapsEqual(got, map[string]int{rk(p.ingest.ID): 1, bk(p.raw): 1}) {
		t.Fatalf("downstream of ingest, depth 1: %v", got)
	}
	d1, _ := w.Walk(ctx, model.LineageQuery{Direction: model.Upstream, Context: d, Repo: "report", Bundle: p.rep.ID, Depth: 1}, nil)
	if got := keys(d1); len(got) != 4 {
		t.Fatalf("depth 1: %v", got)
	}
	if _, ok := keys(d1)[rk(p.train.ID)]; ok {
		t.Fatalf("depth 1 reached train: %v", keys(d1))
	}
	small, _ := w.Walk(ctx, model.LineageQuery{Direction: model.Upstream, Context: d, Repo: "report", Bundle: p.rep.ID, MaxNodes: 3}, nil)
	if len(small.Nodes) != 3 || !small.Truncated {
		t.Fatalf("max nodes 3: %d nodes, truncated %v", len(small.Nodes), small.Truncated)
	}
	// A caller who cannot read raw sees it hidden and not followed.
	noRaw := func(c, repo string) bool { return repo != "raw" }
	hid, err := w.Walk(ctx, model.LineageQuery{Direction: model.Upstream, Context: d, Repo: "report", Bundle: p.rep.ID}, noRaw)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range hid.Nodes {
		if n.Key == bk(p.raw) && (!n.Hidden || n.Bundle != nil) {
			t.Fatalf("raw not hidden: %+v", n)
		}
		if n.Key == rk(p.ingest.ID) {
			t.Fatalf("hidden raw was followed to ingest")
		}
	}
	if _, err := w.Walk(ctx, model.LineageQuery{Direction: model.Upstream, Context: d, Repo: "raw", Bundle: p.raw.ID}, noRaw); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("invisible start: %v", err)
	}
	var dot bytes.Buffer
	if err := runs.Dot(&dot, down); err != nil || !strings.HasPrefix(dot.String(), "digraph lineage {") ||
		strings.Count(dot.String(), " -> ") != len(down.Edges) || !strings.Contains(dot.String(), "shape=box") {
		t.Fatalf("dot %v:\n%s", err, dot.String())
	}
	for _, q := range []model.LineageQuery{
		{Direction: "sideways", RunID: p.eval.ID}, {Direction: model.Upstream}, {Direction: model.Upstream, Bundle: "x"},
		{Direction: model.Upstream, RunID: p.eval.ID, Depth: -1},
	} {
		if _, err := w.Walk(ctx, q, nil); !errors.Is(err, model.ErrInvalid) {
			t.Errorf("query %+v: %v", q, err)
		}
	}
	if _, err := w.Walk(ctx, model.LineageQuery{Direction: model.Upstream, RunID: "000000000000000000000000000"}, nil); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("unknown run: %v", err)
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
