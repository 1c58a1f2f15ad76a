package runs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/datamon-io/datamon/model"
)

// ErrConfig reports an invalid Config.
var ErrConfig = errors.New("runs: invalid config")

// Walk limits.
const (
	DefaultMaxNodes = 1000
	MaxMaxNodes     = 100_000
)

// Source is what the lineage walk reads (raftmeta.Meta). The walk calls it
// once per node of the answer (and once per bundle for its readers):
// the cost follows the size of the answer, not of the cluster.
type Source interface {
	GetRun(ctx context.Context, id string) (model.Run, error)
	GetBundle(ctx context.Context, context, repo, id string) (model.Bundle, error)
	RunsReading(ctx context.Context, context, repo, bundle string, limit int) ([]string, error)
}

// Visible reports whether the caller may read a repo of a context (repo
// "": some repo of it, for runs). nil: everything is visible.
type Visible func(context, repo string) bool

// WalkConfig configures a Walker.
type WalkConfig struct {
	// MaxNodes is the answer bound used when a query sets none (default
	// DefaultMaxNodes; a query may ask for up to MaxMaxNodes).
	MaxNodes int
	Logger   *slog.Logger
}

// Validate checks c.
func (c WalkConfig) Validate() error {
	if c.MaxNodes < 0 || c.MaxNodes > MaxMaxNodes {
		return fmt.Errorf("%w: MaxNodes %d (0 to %d)", ErrConfig, c.MaxNodes, MaxMaxNodes)
	}
	return nil
}

// Walker answers lineage queries over a Source.
type Walker struct {
	src Source
	cfg WalkConfig
}

// NewWalker returns a Walker over src.
func NewWalker(cfg WalkConfig, src Source) (*Walker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if src == nil {
		return nil, fmt.Errorf("%w: no source", ErrConfig)
	}
	if cfg.MaxNodes == 0 {
		cfg.MaxNodes = DefaultMaxNodes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Walker{src: src, cfg: cfg}, nil
}

// ValidateQuery checks a lineage query's shape.
func ValidateQuery(q model.LineageQuery) error {
	if q.Direction != model.Upstream && q.Direction != model.Downstream {
		return fmt.Errorf("%w: lineage direction %q (upstream or downstream)", model.ErrInvalid, q.Direction)
	}
	if q.Depth < 0 || q.MaxNodes < 0 || q.MaxNodes > MaxMaxNodes {
		return fmt.Errorf("%w: depth %d, max nodes %d (0 to %d)", model.ErrInvalid, q.Depth, q.MaxNodes, MaxMaxNodes)
	}
	if (q.RunID == "") == (q.Bundle == "") {
		return fmt.Errorf("%w: lineage starts at a run or at a bundle", model.ErrInvalid)
	}
	if q.Bundle != "" && (q.Context == "" || q.Repo == "") {
		return fmt.Errorf("%w: a bundle needs its context and repo", model.ErrInvalid)
	}
	return nil
}

// item is a node waiting to be expanded.
type item struct {
	key    string
	run    *model.Run
	bundle *model.Bundle
	depth  int
}

type walk struct {
	w       *Walker
	q       model.LineageQuery
	visible Visible
	out     model.Lineage
	seen    map[string]bool
	edges   map[model.LineageEdge]bool
	queue   []item
	max     int
}

// Walk answers q. The start must exist and be visible (model.ErrNotFound
// otherwise, so a refusal says nothing about what exists); nodes the
// caller may not read appear hidden and are not followed. Depth counts
// runs along a path from the start (the start run counts).
func (w *Walker) Walk(ctx context.Context, q model.LineageQuery, visible Visible) (model.Lineage, error) {
	if err := ValidateQuery(q); err != nil {
		return model.Lineage{}, err
	}
	if visible == nil {
		visible = func(string, string) bool { return true }
	}
	wk := &walk{w: w, q: q, visible: visible, seen: map[string]bool{}, edges: map[model.LineageEdge]bool{},
		max: cmpOr(q.MaxNodes, w.cfg.MaxNodes)}
	wk.out = model.Lineage{Direction: q.Direction, Depth: q.Depth, Nodes: []model.LineageNode{}, Edges: []model.LineageEdge{}}
	if q.RunID != "" {
		r, err := w.src.GetRun(ctx, q.RunID)
		if err == nil && !visible(r.Context, "") {
			err = fmt.Errorf("%w: run %s", model.ErrNotFound, q.RunID)
		}
		if err != nil {
			return model.Lineage{}, err
		}
		wk.out.Root = model.RunNodeKey(r.ID)
		wk.addRun(r, 1)
	} else {
		if !visible(q.Context, q.Repo) {
			return model.Lineage{}, fmt.Errorf("%w: bundle %s/%s@%s", model.ErrNotFound, q.Context, q.Repo, q.Bundle)
		}
		b, err := w.src.GetBundle(ctx, q.Context, q.Repo, q.Bundle)
		if err != nil {
			return model.Lineage{}, err
		}
		wk.out.Root = model.BundleNodeKey(b.Context, b.Repo, b.ID)
		wk.addBundle(b, false, 0)
	}
	for len(wk.queue) > 0 {
		if err := ctx.Err(); err != nil {
			return model.Lineage{}, err
		}
		it := wk.queue[0]
		wk.queue = wk.queue[1:]
		var err error
		if it.run != nil {
			err = wk.expandRun(ctx, it)
		} else {
			err = wk.expandBundle(ctx, it)
		}
		if err != nil {
			return model.Lineage{}, err
		}
	}
	return wk.out, nil
}

func cmpOr(a, b int) int {
	if a > 0 {
		return a
	}
	return b
}
