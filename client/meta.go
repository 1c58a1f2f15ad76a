package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// getJSON GETs path (idempotent) and decodes the answer into out.
func (c *Client) getJSON(ctx context.Context, path string, q url.Values, out any) error {
	_, body, err := c.do(ctx, call{method: fasthttp.MethodGet, path: path, query: q, idempotent: true})
	if err != nil {
		return err
	}
	return decode(body, out)
}

// sendJSON sends in as JSON and decodes the answer into out (nil: ignored).
func (c *Client) sendJSON(ctx context.Context, method, path string, idempotent bool, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("client: encode %s %s: %w", method, path, err)
	}
	_, body, err := c.do(ctx, call{method: method, path: path, body: b, idempotent: idempotent})
	if err != nil || out == nil {
		return err
	}
	return decode(body, out)
}

func decode(body []byte, out any) error {
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("%w: decode answer: %v", ErrProtocol, err)
	}
	return nil
}

func (c *Client) contributor(x model.Contributor) model.Contributor {
	if x.Name != "" || x.Email != "" {
		return x
	}
	return c.cfg.Contributor
}

func contextPath(name string) string { return "/v1/contexts/" + name }
func repoPath(ctxName, repo string) string {
	return contextPath(ctxName) + "/repos/" + repo
}

// checkNames rejects empty path parameters, which would address another route.
func checkNames(kv ...string) error {
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			return fmt.Errorf("%w: %s is empty", model.ErrInvalid, kv[i])
		}
	}
	return nil
}

// CreateContext creates a context (root key only).
func (c *Client) CreateContext(ctx context.Context, x model.Context) (model.Context, error) {
	x.Contributor = c.contributor(x.Contributor)
	var out model.Context
	err := c.sendJSON(ctx, fasthttp.MethodPost, "/v1/contexts", false, x, &out)
	return out, err
}

// ListContexts lists all contexts.
func (c *Client) ListContexts(ctx context.Context) ([]model.Context, error) {
	var out []model.Context
	return out, c.getJSON(ctx, "/v1/contexts", nil, &out)
}

// GetContext gets one context.
func (c *Client) GetContext(ctx context.Context, name string) (model.Context, error) {
	var out model.Context
	if err := checkNames("context", name); err != nil {
		return out, err
	}
	return out, c.getJSON(ctx, contextPath(name), nil, &out)
}

// CreateRepo creates r.Name in context r.Context.
func (c *Client) CreateRepo(ctx context.Context, r model.Repo) (model.Repo, error) {
	var out model.Repo
	if err := checkNames("context", r.Context); err != nil {
		return out, err
	}
	r.Contributor = c.contributor(r.Contributor)
	err := c.sendJSON(ctx, fasthttp.MethodPost, contextPath(r.Context)+"/repos", false, r, &out)
	return out, err
}

// ListRepos lists the repos of a context that the key can read.
func (c *Client) ListRepos(ctx context.Context, ctxName string) ([]model.Repo, error) {
	var out []model.Repo
	if err := checkNames("context", ctxName); err != nil {
		return nil, err
	}
	return out, c.getJSON(ctx, contextPath(ctxName)+"/repos", nil, &out)
}

// GetRepo gets one repo.
func (c *Client) GetRepo(ctx context.Context, ctxName, repo string) (model.Repo, error) {
	var out model.Repo
	if err := checkNames("context", ctxName, "repo", repo); err != nil {
		return out, err
	}
	return out, c.getJSON(ctx, repoPath(ctxName, repo), nil, &out)
}

// DeleteRepo deletes a repo's metadata (bundles, labels, descriptor).
func (c *Client) DeleteRepo(ctx context.Context, ctxName, repo string) error {
	if err := checkNames("context", ctxName, "repo", repo); err != nil {
		return err
	}
	_, _, err := c.do(ctx, call{method: fasthttp.MethodDelete, path: repoPath(ctxName, repo), idempotent: false})
	return err
}
