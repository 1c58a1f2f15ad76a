package suite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/datamon-io/datamon/bench/report"
	"github.com/datamon-io/datamon/layout"
)

// Run runs the figures of reg selected by cfg and writes the report into
// cfg.OutDir as <UTC stamp>.json / .md (+ charts). A failing figure is
// recorded and the run goes on; the error is only for the run itself
// (configuration, writing the report).
func Run(ctx context.Context, cfg Config, reg *Registry) (*report.Run, report.Paths, error) {
	if err := cfg.Validate(); err != nil {
		return nil, report.Paths{}, err
	}
	log := cfg.Logger
	stamp := time.Now().UTC().Format("20060102T150405Z")
	work := cfg.WorkDir
	if work == "" {
		work = filepath.Join(cfg.OutDir, ".work-"+stamp)
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		return nil, report.Paths{}, fmt.Errorf("%w: work dir: %w", ErrConfig, err)
	}
	env := newEnv(cfg, work)
	defer env.Close()

	run := &report.Run{Env: report.CollectEnvironment(ctx, work, cfg.RepoDir)}
	run.Env.Profile, run.Env.Nodes, run.Env.Sites, run.Env.EC = cfg.Profile.Name, cfg.Nodes, cfg.Sites, cfg.EC
	run.Env.Cluster = "local"
	if run.Env.EC == "" && !cfg.remote() {
		run.Env.EC = "default (" + layout.DefaultPolicy(cfg.Nodes).String() + " by layout.DefaultPolicy)"
	}
	if cfg.remote() {
		run.Env.Cluster = "remote " + cfg.ClientConfig + fmt.Sprint(cfg.Endpoints)
	}
	figs := reg.Select(cfg.Only, cfg.SkipPeers)
	if len(figs) == 0 {
		return nil, report.Paths{}, fmt.Errorf("%w: -only %v matches no figure", ErrConfig, cfg.Only)
	}
	for i, f := range figs {
		if ctx.Err() != nil {
			run.Measurements = append(run.Measurements, report.Skipped(f.Group, f.Name, f.Unit, "run interrupted"))
			continue
		}
		log.Info("figure", "n", fmt.Sprintf("%d/%d", i+1, len(figs)), "name", f.Name)
		start := time.Now()
		ms := runFigure(ctx, env, f)
		for j := range ms {
			if ms[j].Took == 0 {
				ms[j].Took = time.Since(start)
			}
			log.Info("measured", "name", ms[j].Name, "status", ms[j].Status, "value", ms[j].Value,
				"unit", ms[j].Unit, "reason", ms[j].Reason)
		}
		env.Results = append(env.Results, ms...)
		run.Measurements = append(run.Measurements, ms...)
	}
	run.End = time.Now().UTC()
	paths, err := report.Write(cfg.OutDir, stamp, run)
	return run, paths, err
}

// runFigure runs f under the figure timeout, turning an error or a panic
// into a failed (or skipped) measurement named after the figure.
func runFigure(ctx context.Context, env *Env, f Figure) (ms []report.Measurement) {
	timeout := max(env.Profile.FigureTimeout, f.Timeout)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			err := fmt.Errorf("panic: %v\n%s", p, debug.Stack())
			env.Log.Error("figure panicked", "name", f.Name, "err", err)
			ms = append(ms, report.Failed(f.Group, f.Name, f.Unit, fmt.Errorf("panic: %v", p)))
		}
	}()
	ms, err := f.Run(ctx, env)
	for i := range ms {
		if ms[i].Group == "" {
			ms[i].Group = f.Group
		}
	}
	switch {
	case err == nil:
	case isSkip(err):
		ms = append(ms, report.Skipped(f.Group, f.Name, f.Unit, skipReason(err)))
	default:
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			err = fmt.Errorf("timed out after %s: %w", timeout, err)
		}
		ms = append(ms, report.Failed(f.Group, f.Name, f.Unit, err))
	}
	return ms
}

// skipReason strips the "skipped: " prefix of a Skip error.
func skipReason(err error) string {
	s := err.Error()
	if p := ErrSkipped.Error() + ": "; len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}
