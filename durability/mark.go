package durability

import (
	"context"
	"fmt"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/manifest"
	"github.com/datamon-io/datamon/model"
)

// Scope restricts a walk to one context and/or repo ("" = all).
type Scope struct {
	Context string `json:"context,omitempty"`
	Repo    string `json:"repo,omitempty"`
}

// liveWalker visits every chunk of every live bundle in a scope.
type liveWalker struct {
	s *Service
	// visit is called for every manifest page and file chunk.
	visit func(bundle string, id chunk.ID)
	// unreadable is called when a bundle's manifest cannot be read; a
	// non-nil return aborts the walk.
	unreadable func(bundle string, err error) error
	bundles    int
}

// recordingGetter reports every manifest page the reader fetches.
type recordingGetter struct {
	s      *Service
	bundle string
	visit  func(bundle string, id chunk.ID)
}

func (g recordingGetter) GetChunk(ctx context.Context, id chunk.ID) ([]byte, error) {
	g.visit(g.bundle, id)
	return g.s.chunk.Get(ctx, id)
}

func (w *liveWalker) run(ctx context.Context, sc Scope) error {
	ctxs := []string{sc.Context}
	if sc.Context == "" {
		cs, err := w.s.meta.ListContexts(ctx)
		if err != nil {
			return fmt.Errorf("durability: list contexts: %w", err)
		}
		ctxs = ctxs[:0]
		for _, c := range cs {
			ctxs = append(ctxs, c.Name)
		}
	}
	for _, c := range ctxs {
		repos := []string{sc.Repo}
		if sc.Repo == "" {
			rs, err := w.s.meta.ListRepos(ctx, c)
			if err != nil {
				return fmt.Errorf("durability: list repos of %s: %w", c, err)
			}
			repos = repos[:0]
			for _, r := range rs {
				repos = append(repos, r.Name)
			}
		}
		for _, r := range repos {
			bs, err := w.s.meta.ListBundles(ctx, c, r)
			if err != nil {
				return fmt.Errorf("durability: list bundles of %s/%s: %w", c, r, err)
			}
			for _, b := range bs {
				if err := w.bundle(ctx, b); err != nil {
					return err
				}
			}
		}
	}
	return w.roots(ctx, sc) // liveroots.go
}

func (w *liveWalker) bundle(ctx context.Context, b model.Bundle) error {
	w.bundles++
	name := b.Context + "/" + b.Repo + "/" + b.ID
	if b.ManifestRoot == (chunk.ID{}) {
		return nil
	}
	g := recordingGetter{s: w.s, bundle: name, visit: w.visit}
	rd, err := manifest.Open(ctx, g, b.ManifestRoot)
	if err == nil {
		err = rd.Walk(ctx, "", func(e manifest.Entry) error {
			for _, c := range e.Chunks {
				w.visit(name, c.ID)
			}
			return nil
		})
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return w.unreadable(name, fmt.Errorf("manifest %s: %w", b.ManifestRoot, err))
	}
	return nil
}

// mark returns every chunk referenced by a live bundle; any unreadable
// manifest aborts it (ErrMark), since sweeping then could delete live data.
func (s *Service) mark(ctx context.Context) (map[chunk.ID]struct{}, int, error) {
	marked := map[chunk.ID]struct{}{}
	w := &liveWalker{s: s,
		visit: func(_ string, id chunk.ID) { marked[id] = struct{}{} },
		unreadable: func(bundle string, err error) error {
			return fmt.Errorf("%w: bundle %s: %w", ErrMark, bundle, err)
		},
	}
	if err := w.run(ctx, Scope{}); err != nil {
		return nil, 0, err
	}
	return marked, w.bundles, nil
}
