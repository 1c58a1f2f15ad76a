package client

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// Pipeline runs. Every call is resent after a possibly applied attempt:
// writes carry a request ID, so a resent start starts one run and a resent
// metrics post logs each point once.

// RunEnvVar is the environment variable `run start`/`run exec` export: the
// ID of the run the process belongs to. Bundle uploads and commits made
// with it set become outputs of the run; downloads become inputs.
const RunEnvVar = "DATAMON_RUN"

func runPath(id string) string { return "/v1/runs/" + url.PathEscape(id) }

// checkRunID refuses IDs that would change the request's path; they name
// no run (model.ErrNotFound, like any other malformed ID the server sees).
func checkRunID(id string) error {
	if id == "" || id == "." || id == ".." {
		return fmt.Errorf("%w: run %q", model.ErrNotFound, id)
	}
	return nil
}

// StartRun starts a run in s.Context; the server sets the owner (the
// authenticated identity), the ID and the start time, and pins the inputs.
func (c *Client) StartRun(ctx context.Context, s model.RunStart) (model.Run, error) {
	var out model.Run
	if err := checkNames("context", s.Context); err != nil {
		return out, err
	}
	return out, c.sendJSON(ctx, fasthttp.MethodPost, contextPath(s.Context)+"/runs", false, s, &out)
}

// GetRun gets one run.
func (c *Client) GetRun(ctx context.Context, id string) (model.Run, error) {
	var out model.Run
	if err := checkRunID(id); err != nil {
		return out, err
	}
	return out, c.getJSON(ctx, runPath(id), nil, &out)
}

// ListRuns lists runs of f.Context in start order.
func (c *Client) ListRuns(ctx context.Context, f model.RunFilter) ([]model.Run, error) {
	var out []model.Run
	if err := checkNames("context", f.Context); err != nil {
		return out, err
	}
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("status", string(f.Status))
	set("name", f.Name)
	set("after", f.After)
	if !f.Since.IsZero() {
		q.Set("since", f.Since.UTC().Format(time.RFC3339Nano))
	}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	return out, c.getJSON(ctx, contextPath(f.Context)+"/runs", q, &out)
}

// LogRunMetrics logs metric points (times are the leader's).
func (c *Client) LogRunMetrics(ctx context.Context, id string, pts []model.MetricPoint) (model.Run, error) {
	var out model.Run
	if err := checkRunID(id); err != nil {
		return out, err
	}
	return out, c.sendJSON(ctx, fasthttp.MethodPost, runPath(id)+"/metrics", false, map[string]any{"points": pts}, &out)
}

// RunMetrics returns the history of metric key ("": all) of run id.
func (c *Client) RunMetrics(ctx context.Context, id, key string) ([]model.MetricPoint, error) {
	var out []model.MetricPoint
	if err := checkRunID(id); err != nil {
		return out, err
	}
	q := url.Values{}
	if key != "" {
		q.Set("key", key)
	}
	return out, c.getJSON(ctx, runPath(id)+"/metrics", q, &out)
}

// AddRunInputs records more inputs of a running run (resolved and pinned
// by the server).
func (c *Client) AddRunInputs(ctx context.Context, id string, in []model.InputRef) (model.Run, error) {
	var out model.Run
	if err := checkRunID(id); err != nil {
		return out, err
	}
	return out, c.sendJSON(ctx, fasthttp.MethodPost, runPath(id)+"/inputs", false, map[string]any{"inputs": in}, &out)
}

// HeartbeatRun extends the run's lease.
func (c *Client) HeartbeatRun(ctx context.Context, id string) (model.Run, error) {
	var out model.Run
	if err := checkRunID(id); err != nil {
		return out, err
	}
	return out, c.sendJSON(ctx, fasthttp.MethodPost, runPath(id)+"/heartbeat", true, map[string]any{}, &out)
}

// FinishRun ends a running run.
func (c *Client) FinishRun(ctx context.Context, id string, st model.RunStatus, reason string) (model.Run, error) {
	var out model.Run
	if err := checkRunID(id); err != nil {
		return out, err
	}
	return out, c.sendJSON(ctx, fasthttp.MethodPost, runPath(id)+"/finish", true,
		map[string]any{"status": st, "reason": reason}, &out)
}

// UpdateRun sets tags ("" removes one) and notes of any run.
func (c *Client) UpdateRun(ctx context.Context, id string, u model.RunUpdate) (model.Run, error) {
	var out model.Run
	if err := checkRunID(id); err != nil {
		return out, err
	}
	return out, c.sendJSON(ctx, fasthttp.MethodPost, runPath(id)+"/update", true, u, &out)
}

// Lineage walks lineage from a run (q.RunID) or a bundle.
func (c *Client) Lineage(ctx context.Context, q model.LineageQuery) (model.Lineage, error) {
	var out model.Lineage
	var path string
	if q.RunID != "" {
		if err := checkRunID(q.RunID); err != nil {
			return out, err
		}
		path = runPath(q.RunID)
	} else {
		if err := checkNames("context", q.Context, "repo", q.Repo, "bundle", q.Bundle); err != nil {
			return out, err
		}
		path = repoPath(q.Context, q.Repo) + "/bundles/" + url.PathEscape(q.Bundle)
	}
	if err := checkNames("direction", q.Direction); err != nil {
		return out, err
	}
	v := url.Values{}
	if q.Depth > 0 {
		v.Set("depth", strconv.Itoa(q.Depth))
	}
	if q.MaxNodes > 0 {
		v.Set("max_nodes", strconv.Itoa(q.MaxNodes))
	}
	return out, c.getJSON(ctx, path+"/lineage/"+url.PathEscape(q.Direction), v, &out)
}

// PostLineageEvent sends one OpenLineage RunEvent (JSON) to the cluster,
// which records it as a run start or finish.
func (c *Client) PostLineageEvent(ctx context.Context, event []byte) (model.Run, error) {
	var out model.Run
	_, body, err := c.do(ctx, call{method: fasthttp.MethodPost, path: "/api/v1/lineage", body: event})
	if err != nil {
		return out, err
	}
	return out, decode(body, &out)
}
