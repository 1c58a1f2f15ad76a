package node

import (
	"context"
	"fmt"
	"time"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
	"github.com/datamon-io/datamon/runs"
)

// RunsConfig configures pipeline runs on a node (issue 19).
type RunsConfig struct {
	// LeaseCheck is how often the leader looks for runs whose lease
	// expired (default 1 s; at least 10 ms).
	LeaseCheck time.Duration `yaml:"lease_check"`
	// MaxLineageNodes bounds a lineage answer when the query sets none
	// (default runs.DefaultMaxNodes).
	MaxLineageNodes int `yaml:"max_lineage_nodes"`
	// OpenLineage, with a file or a URL, emits a RunEvent for every run
	// start and finish this node makes (and every lease expiry it decides
	// as the leader).
	OpenLineage runs.EmitConfig `yaml:"openlineage"`
}

func (c RunsConfig) validate() error {
	if c.LeaseCheck < 0 || (c.LeaseCheck > 0 && c.LeaseCheck < 10*time.Millisecond) {
		return fmt.Errorf("%w: runs.lease_check %v: 0 (default) or at least 10ms", ErrConfig, c.LeaseCheck)
	}
	if c.MaxLineageNodes < 0 || c.MaxLineageNodes > runs.MaxMaxNodes {
		return fmt.Errorf("%w: runs.max_lineage_nodes %d (0 to %d)", ErrConfig, c.MaxLineageNodes, runs.MaxMaxNodes)
	}
	if err := c.OpenLineage.Validate(); err != nil {
		return fmt.Errorf("%w: runs.openlineage: %w", ErrConfig, err)
	}
	return nil
}

// lineage answers lineage walks: one read barrier, then stale reads of
// this node's FSM (at least as new as the barrier).
type lineage struct {
	m *raftmeta.Meta
	w *runs.Walker
}

func (l lineage) Lineage(ctx context.Context, q model.LineageQuery, visible func(c, repo string) bool) (model.Lineage, error) {
	if err := l.m.Sync(ctx); err != nil {
		return model.Lineage{}, err
	}
	return l.w.Walk(raftmeta.WithStale(ctx), q, visible)
}

// wireRuns sets the run seams of the API config and starts the leader's
// lease expirer (stopped on Close).
func (n *Node) wireRuns(acfg *api.Config) error {
	acfg.Runs = servingMeta{n.meta}
	w, err := runs.NewWalker(runs.WalkConfig{MaxNodes: n.cfg.Runs.MaxLineageNodes, Logger: n.log.With("component", "lineage")}, n.meta)
	if err != nil {
		return fmt.Errorf("node: lineage: %w", err)
	}
	acfg.Lineage = lineage{m: n.meta, w: w}
	in, err := runs.NewIngester(n.meta, "")
	if err != nil {
		return fmt.Errorf("node: OpenLineage ingest: %w", err)
	}
	acfg.LineageIngest = ingest{in}
	ecfg := runs.ExpirerConfig{Interval: n.cfg.Runs.LeaseCheck, Clock: n.clock, Logger: n.log.With("component", "runs")}
	if oc := n.cfg.Runs.OpenLineage; oc.Enabled() {
		oc.Logger = n.log.With("component", "openlineage")
		em, err := runs.NewEmitter(oc)
		if err != nil {
			return fmt.Errorf("node: OpenLineage: %w", err)
		}
		n.onClose(em.Close)
		acfg.RunEvents = em
		ecfg.OnExpired = em.RunChanged
	}
	e, err := runs.NewExpirer(ecfg, n.meta)
	if err != nil {
		return fmt.Errorf("node: run lease expirer: %w", err)
	}
	n.onClose(e.Close)
	return nil
}

// ingest adapts runs.Ingester to api.LineageIngest.
type ingest struct{ in *runs.Ingester }

func (i ingest) Ingest(ctx context.Context, body []byte, c api.Caller) (model.Run, error) {
	return i.in.Ingest(ctx, body, c)
}
