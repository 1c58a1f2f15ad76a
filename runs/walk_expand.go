package runs

import (
	"context"
	"errors"
	"fmt"

	"github.com/datamon-io/datamon/model"
)

// full reports (and records) that the answer reached its bound.
func (wk *walk) full() bool {
	if len(wk.out.Nodes) >= wk.max {
		wk.out.Truncated = true
		return true
	}
	return false
}

func lineageRun(r model.Run) *model.LineageRun {
	return &model.LineageRun{ID: r.ID, Context: r.Context, Name: r.Name, Pipeline: r.Pipeline, Step: r.Step,
		Owner: r.Owner, Status: r.Status, Started: r.Started, Ended: r.Ended, Params: r.Params, Code: r.Code}
}

// addRun adds a run node (if new and there is room) and queues it.
func (wk *walk) addRun(r model.Run, depth int) {
	key := model.RunNodeKey(r.ID)
	if wk.seen[key] || wk.full() {
		return
	}
	wk.seen[key] = true
	n := model.LineageNode{Key: key, Kind: "run", Depth: depth}
	if !wk.visible(r.Context, "") {
		n.Hidden = true
		wk.out.Nodes = append(wk.out.Nodes, n)
		return
	}
	n.Run = lineageRun(r)
	wk.out.Nodes = append(wk.out.Nodes, n)
	wk.queue = append(wk.queue, item{key: key, run: &r, depth: depth})
}

// addBundle adds a bundle node; missing marks a bundle a run names that
// is gone. Hidden and missing bundles are not followed.
func (wk *walk) addBundle(b model.Bundle, missing bool, depth int) {
	key := model.BundleNodeKey(b.Context, b.Repo, b.ID)
	if wk.seen[key] || wk.full() {
		return
	}
	wk.seen[key] = true
	n := model.LineageNode{Key: key, Kind: "bundle", Depth: depth}
	if !wk.visible(b.Context, b.Repo) {
		n.Hidden = true
		wk.out.Nodes = append(wk.out.Nodes, n)
		return
	}
	n.Bundle = &model.LineageBundle{Context: b.Context, Repo: b.Repo, ID: b.ID, Message: b.Message, Run: b.Run, Missing: missing}
	wk.out.Nodes = append(wk.out.Nodes, n)
	if !missing {
		wk.queue = append(wk.queue, item{key: key, bundle: &b, depth: depth})
	}
}

func (wk *walk) edge(e model.LineageEdge) {
	if !wk.seen[e.From] || !wk.seen[e.To] || wk.edges[e] {
		return
	}
	wk.edges[e] = true
	wk.out.Edges = append(wk.out.Edges, e)
}

// bundle loads a bundle a run names; a missing one is a node, not an error.
func (wk *walk) bundle(ctx context.Context, c, repo, id string) (model.Bundle, bool, error) {
	if !wk.visible(c, repo) {
		return model.Bundle{Context: c, Repo: repo, ID: id}, false, nil
	}
	b, err := wk.w.src.GetBundle(ctx, c, repo, id)
	if errors.Is(err, model.ErrNotFound) {
		return model.Bundle{Context: c, Repo: repo, ID: id}, true, nil
	}
	return b, false, err
}

// expandRun follows a run to the bundles it read (upstream) or wrote
// (downstream); they share its depth.
func (wk *walk) expandRun(ctx context.Context, it item) error {
	r := it.run
	if wk.q.Direction == model.Upstream {
		for _, in := range r.Inputs {
			b, missing, err := wk.bundle(ctx, in.Context, in.Repo, in.Bundle)
			if err != nil {
				return err
			}
			wk.addBundle(b, missing, it.depth)
			wk.edge(model.LineageEdge{From: model.BundleNodeKey(in.Context, in.Repo, in.Bundle), To: it.key,
				Kind: "input", Label: in.Label, Path: in.Path})
		}
		return nil
	}
	for _, o := range r.Outputs {
		b, missing, err := wk.bundle(ctx, o.Context, o.Repo, o.Bundle)
		if err != nil {
			return err
		}
		wk.addBundle(b, missing, it.depth)
		wk.edge(model.LineageEdge{From: it.key, To: model.BundleNodeKey(o.Context, o.Repo, o.Bundle), Kind: "output", Label: o.Label})
	}
	return nil
}

// expandBundle follows a bundle to the run that wrote it (upstream) or
// the runs that read it (downstream), one run hop deeper.
func (wk *walk) expandBundle(ctx context.Context, it item) error {
	b := it.bundle
	if wk.q.Depth > 0 && it.depth >= wk.q.Depth {
		return nil
	}
	var ids []string
	if wk.q.Direction == model.Upstream {
		if b.Run != "" {
			ids = []string{b.Run}
		}
	} else {
		var err error
		ids, err = wk.w.src.RunsReading(ctx, b.Context, b.Repo, b.ID, wk.max-len(wk.out.Nodes)+1)
		if err != nil {
			return fmt.Errorf("runs: readers of %s: %w", it.key, err)
		}
	}
	for _, id := range ids {
		r, err := wk.w.src.GetRun(ctx, id)
		if errors.Is(err, model.ErrNotFound) {
			continue // the index names a run that is gone: nothing to show
		}
		if err != nil {
			return err
		}
		wk.addRun(r, it.depth+1)
		rk := model.RunNodeKey(r.ID)
		if wk.q.Direction == model.Upstream {
			wk.edge(model.LineageEdge{From: rk, To: it.key, Kind: "output", Label: outputLabel(r, b)})
			continue
		}
		for _, in := range r.Inputs {
			if in.Context == b.Context && in.Repo == b.Repo && in.Bundle == b.ID {
				wk.edge(model.LineageEdge{From: it.key, To: rk, Kind: "input", Label: in.Label, Path: in.Path})
			}
		}
	}
	return nil
}

func outputLabel(r model.Run, b *model.Bundle) string {
	for _, o := range r.Outputs {
		if o.Context == b.Context && o.Repo == b.Repo && o.Bundle == b.ID {
			return o.Label
		}
	}
	return ""
}
