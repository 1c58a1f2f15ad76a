package api

import (
	"context"
	"fmt"
	"strconv"

	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// changeRun loads run id (the caller must read its context) and applies fn
// as the caller; the store refuses a caller who neither owns the run nor
// administers its context.
func (s *Server) changeRun(ctx context.Context, r *request, fn func(Runs, model.Run, model.RunActor) (model.Run, error)) error {
	run, rs, err := s.readRun(ctx, r, r.params[0])
	if err != nil {
		return err
	}
	out, err := fn(rs, run, r.actor(run.Context))
	if err != nil {
		return fmt.Errorf("api: run %s: %w", run.ID, err)
	}
	if out.Status.Finished() && !run.Status.Finished() {
		s.runChanged(ctx, out)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, out)
	return nil
}

func (s *Server) logRunMetrics(ctx context.Context, r *request) error {
	var req MetricsRequest
	if err := decodeJSON(r.rc.Request.Body(), &req); err != nil {
		return err
	}
	for _, p := range req.Points {
		if err := model.ValidateMetric(p); err != nil {
			return err
		}
	}
	return s.changeRun(ctx, r, func(rs Runs, run model.Run, as model.RunActor) (model.Run, error) {
		return rs.LogRunMetrics(ctx, run.ID, as, req.Points)
	})
}

func (s *Server) addRunInputs(ctx context.Context, r *request) error {
	var req InputsRequest
	if err := decodeJSON(r.rc.Request.Body(), &req); err != nil {
		return err
	}
	return s.changeRun(ctx, r, func(rs Runs, run model.Run, as model.RunActor) (model.Run, error) {
		if err := r.requireInputs(run.Context, req.Inputs); err != nil {
			return run, err
		}
		return rs.AddRunInputs(ctx, run.ID, as, req.Inputs)
	})
}

func (s *Server) heartbeatRun(ctx context.Context, r *request) error {
	return s.changeRun(ctx, r, func(rs Runs, run model.Run, as model.RunActor) (model.Run, error) {
		return rs.HeartbeatRun(ctx, run.ID, as)
	})
}

func (s *Server) finishRun(ctx context.Context, r *request) error {
	var req FinishRequest
	if err := decodeJSON(r.rc.Request.Body(), &req); err != nil {
		return err
	}
	if !req.Status.Finished() {
		return fmt.Errorf("%w: finish with status %q (succeeded, failed or canceled)", model.ErrInvalid, req.Status)
	}
	if err := model.ValidateReason(req.Reason); err != nil {
		return err
	}
	return s.changeRun(ctx, r, func(rs Runs, run model.Run, as model.RunActor) (model.Run, error) {
		return rs.FinishRun(ctx, run.ID, as, req.Status, req.Reason)
	})
}

func (s *Server) updateRun(ctx context.Context, r *request) error {
	var req model.RunUpdate
	if err := decodeJSON(r.rc.Request.Body(), &req); err != nil {
		return err
	}
	if err := model.ValidateRunUpdate(req); err != nil {
		return err
	}
	return s.changeRun(ctx, r, func(rs Runs, run model.Run, as model.RunActor) (model.Run, error) {
		return rs.UpdateRun(ctx, run.ID, as, req)
	})
}

// checkRunOutput: a commit naming a run is made by the run's owner or an
// admin of its context (the FSM checks the run is running, in the
// bundle's context).
func (s *Server) checkRunOutput(ctx context.Context, r *request, id string) error {
	rs, err := s.runs()
	if err != nil {
		return err
	}
	run, err := rs.GetRun(ctx, id)
	if err != nil {
		return fmt.Errorf("api: the bundle's run %s: %w", id, err)
	}
	if as := r.actor(run.Context); !as.Admin && run.Owner != as.Name {
		return fmt.Errorf("%w: run %s belongs to %s", model.ErrPermission, run.ID, run.Owner)
	}
	return nil
}

func lineageQuery(r *request, dir string) (model.LineageQuery, error) {
	q := model.LineageQuery{Direction: dir}
	for name, dst := range map[string]*int{"depth": &q.Depth, "max_nodes": &q.MaxNodes} {
		if v := string(r.rc.QueryArgs().Peek(name)); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return q, fmt.Errorf("%w: %s %q", model.ErrInvalid, name, v)
			}
			*dst = n
		}
	}
	return q, nil
}

func (s *Server) lineage(ctx context.Context, r *request, q model.LineageQuery) error {
	if s.cfg.Lineage == nil {
		return fmt.Errorf("%w: this node does not answer lineage", ErrUnavailable)
	}
	out, err := s.cfg.Lineage.Lineage(ctx, q, r.visible)
	if err != nil {
		return fmt.Errorf("api: lineage: %w", err)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, out)
	return nil
}

func (s *Server) runLineage(ctx context.Context, r *request) error {
	q, err := lineageQuery(r, r.params[1])
	if err != nil {
		return err
	}
	run, _, err := s.readRun(ctx, r, r.params[0]) // read on the run's context, like a get
	if err != nil {
		return err
	}
	q.RunID = run.ID
	return s.lineage(ctx, r, q)
}

func (s *Server) bundleLineage(ctx context.Context, r *request) error {
	q, err := lineageQuery(r, r.params[3])
	if err != nil {
		return err
	}
	q.Context, q.Repo, q.Bundle = r.params[0], r.params[1], r.params[2]
	if err := r.require(q.Context, q.Repo, model.PermRead); err != nil {
		return err
	}
	return s.lineage(ctx, r, q)
}

// ingestLineage accepts one OpenLineage RunEvent as a run record.
func (s *Server) ingestLineage(ctx context.Context, r *request) error {
	if s.cfg.LineageIngest == nil {
		return fmt.Errorf("%w: this node does not accept OpenLineage events", ErrUnavailable)
	}
	out, err := s.cfg.LineageIngest.Ingest(ctx, r.rc.Request.Body(), caller{r})
	if err != nil {
		return fmt.Errorf("api: OpenLineage event: %w", err)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, out)
	return nil
}

// caller is a request as a Caller.
type caller struct{ r *request }

func (c caller) Actor(ctx string) model.RunActor { return c.r.actor(ctx) }
func (c caller) Require(ctx string, want model.Permission) error {
	return c.r.requireContext(ctx, want)
}
func (c caller) RequireRepo(ctx, repo string, want model.Permission) error {
	return c.r.require(ctx, repo, want)
}
