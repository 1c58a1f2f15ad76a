package client

import (
	"context"

	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// SquashRepo deletes the past bundles of a repo from the metadata by the
// rule of model.SquashRequest (admin on the repo). req.DryRun answers what
// would be deleted now, with the horizon it used: pass that result's
// Horizons() to the real squash so that it deletes at most what was shown.
// A squash is not resent after an ambiguous failure (it is a write).
func (c *Client) SquashRepo(ctx context.Context, ctxName, repo string, req model.SquashRequest) (model.SquashResult, error) {
	var out model.SquashResult
	if err := checkNames("context", ctxName, "repo", repo); err != nil {
		return out, err
	}
	err := c.sendJSON(ctx, fasthttp.MethodPost, repoPath(ctxName, repo)+"/squash", req.DryRun, req, &out)
	return out, err
}

// SquashContext squashes every repo of a context (admin on the context).
func (c *Client) SquashContext(ctx context.Context, ctxName string, req model.SquashRequest) (model.SquashResult, error) {
	var out model.SquashResult
	if err := checkNames("context", ctxName); err != nil {
		return out, err
	}
	err := c.sendJSON(ctx, fasthttp.MethodPost, contextPath(ctxName)+"/squash", req.DryRun, req, &out)
	return out, err
}
