package api

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// Pipeline runs (issue 19). A run belongs to a context. Starting one needs
// write on some repo of the context (or on the context) and read on every
// input repo; reading runs (get, list, metrics, lineage) needs read on some
// repo of the context; changing a run (metrics, inputs, heartbeat, finish,
// tags and notes, a bundle commit naming it) is for its owner — the
// authenticated user, or the key ID of a key without user — or an admin of
// the context. Lineage shows the bundles of repos the caller may not read
// as hidden, and does not follow them.

// runRoutes are registered by buildRoutes (routes.go).
func runRoutes() []route {
	get, post := fasthttp.MethodGet, fasthttp.MethodPost
	return []route{
		newRoute(post, "/v1/contexts/{ctx}/runs", (*Server).startRun),
		newRoute(get, "/v1/contexts/{ctx}/runs", (*Server).listRuns),
		newRoute(get, "/v1/runs/{id}", (*Server).getRun),
		newRoute(get, "/v1/runs/{id}/metrics", (*Server).runMetrics),
		newRoute(post, "/v1/runs/{id}/metrics", (*Server).logRunMetrics),
		newRoute(post, "/v1/runs/{id}/inputs", (*Server).addRunInputs),
		newRoute(post, "/v1/runs/{id}/heartbeat", (*Server).heartbeatRun),
		newRoute(post, "/v1/runs/{id}/finish", (*Server).finishRun),
		newRoute(post, "/v1/runs/{id}/update", (*Server).updateRun),
		newRoute(get, "/v1/runs/{id}/lineage/{dir}", (*Server).runLineage),
		newRoute(get, repoPath+"/bundles/{id}/lineage/{dir}", (*Server).bundleLineage),
		newRoute(post, "/api/v1/lineage", (*Server).ingestLineage),
	}
}

// runs is Config.Runs, else the Meta's own implementation.
func (s *Server) runs() (Runs, error) {
	if s.cfg.Runs != nil {
		return s.cfg.Runs, nil
	}
	if rs, ok := s.meta.(Runs); ok {
		return rs, nil
	}
	return nil, fmt.Errorf("%w: this node's metadata store does not keep runs", ErrUnavailable)
}

// contextPermission is k's highest permission on any repo of context c.
func contextPermission(k model.AccessKey, c string) model.Permission {
	p := permission(k, c, "*")
	for scope, g := range k.Grants {
		if len(scope) > len(c) && scope[:len(c)] == c && scope[len(c)] == '/' {
			p = max(p, g)
		}
	}
	return p
}

func (r *request) requireContext(c string, want model.Permission) error {
	if contextPermission(r.key, c) >= want {
		return nil
	}
	return fmt.Errorf("%w: key %q needs %s on some repo of context %s", model.ErrPermission, r.key.ID, permName(want), c)
}

// actor is the caller as a run sees it: owner name, and whether it may
// change anyone's run of context c (admin on the context).
func (r *request) actor(c string) model.RunActor {
	name := r.key.User
	if name == "" {
		name = r.key.ID
	}
	return model.RunActor{Name: name, Admin: permission(r.key, c, "*") >= model.PermAdmin}
}

// visible is the lineage filter of the caller.
func (r *request) visible(c, repo string) bool {
	if repo == "" {
		return contextPermission(r.key, c) >= model.PermRead
	}
	return permission(r.key, c, repo) >= model.PermRead
}

func (s *Server) startRun(ctx context.Context, r *request) error {
	c := r.params[0]
	if err := r.requireContext(c, model.PermWrite); err != nil {
		return err
	}
	var req model.RunStart
	if err := decodeJSON(r.rc.Request.Body(), &req); err != nil {
		return err
	}
	req.Context, req.Owner = c, r.actor(c).Name
	if err := model.ValidateRunStart(req); err != nil {
		return err
	}
	if err := r.requireInputs(c, req.Inputs); err != nil {
		return err
	}
	rs, err := s.runs()
	if err != nil {
		return err
	}
	out, err := rs.StartRun(ctx, req)
	if err != nil {
		return fmt.Errorf("api: start run %q in %s: %w", req.Name, c, err)
	}
	s.runChanged(ctx, out)
	s.writeJSON(r.rc, fasthttp.StatusCreated, out)
	return nil
}

// requireInputs: read on every input repo.
func (r *request) requireInputs(c string, in []model.InputRef) error {
	for _, i := range in {
		ic := i.Context
		if ic == "" {
			ic = c
		}
		if err := r.require(ic, i.Repo, model.PermRead); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) runChanged(ctx context.Context, run model.Run) {
	if s.cfg.RunEvents != nil {
		s.cfg.RunEvents.RunChanged(ctx, run)
	}
}

// readRun loads a run the caller may read.
func (s *Server) readRun(ctx context.Context, r *request, id string) (model.Run, Runs, error) {
	rs, err := s.runs()
	if err != nil {
		return model.Run{}, nil, err
	}
	run, err := rs.GetRun(ctx, id)
	if err != nil {
		return model.Run{}, nil, fmt.Errorf("api: get run %s: %w", id, err)
	}
	if err := r.requireContext(run.Context, model.PermRead); err != nil {
		return model.Run{}, nil, err
	}
	return run, rs, nil
}

func (s *Server) getRun(ctx context.Context, r *request) error {
	run, _, err := s.readRun(ctx, r, r.params[0])
	if err != nil {
		return err
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, run)
	return nil
}

func (s *Server) listRuns(ctx context.Context, r *request) error {
	c := r.params[0]
	if err := r.requireContext(c, model.PermRead); err != nil {
		return err
	}
	q := r.rc.QueryArgs()
	f := model.RunFilter{Context: c, Name: string(q.Peek("name")), After: string(q.Peek("after"))}
	if st := string(q.Peek("status")); st != "" {
		v, err := model.ParseRunStatus(st)
		if err != nil {
			return err
		}
		f.Status = v
	}
	if v := string(q.Peek("since")); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return fmt.Errorf("%w: since %q is not an RFC 3339 time", model.ErrInvalid, v)
		}
		f.Since = t
	}
	if v := string(q.Peek("limit")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("%w: limit %q", model.ErrInvalid, v)
		}
		f.Limit = n
	}
	rs, err := s.runs()
	if err != nil {
		return err
	}
	out, err := rs.ListRuns(ctx, f)
	if err != nil {
		return fmt.Errorf("api: list runs of %s: %w", c, err)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, nonNil(out))
	return nil
}

func (s *Server) runMetrics(ctx context.Context, r *request) error {
	run, rs, err := s.readRun(ctx, r, r.params[0])
	if err != nil {
		return err
	}
	limit := 0
	if v := string(r.rc.QueryArgs().Peek("limit")); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 0 {
			return fmt.Errorf("%w: limit %q", model.ErrInvalid, v)
		}
	}
	out, err := rs.RunMetricHistory(ctx, run.ID, string(r.rc.QueryArgs().Peek("key")), limit)
	if err != nil {
		return fmt.Errorf("api: metrics of run %s: %w", run.ID, err)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, nonNil(out))
	return nil
}
