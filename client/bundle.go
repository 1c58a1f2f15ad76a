package client

import (
	"context"
	"net/url"

	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// ListBundles lists a repo's bundles ordered by ID (commit order).
func (c *Client) ListBundles(ctx context.Context, ctxName, repo string) ([]model.Bundle, error) {
	if err := checkNames("context", ctxName, "repo", repo); err != nil {
		return nil, err
	}
	var out []model.Bundle
	return out, c.getJSON(ctx, repoPath(ctxName, repo)+"/bundles", nil, &out)
}

// GetBundle gets one bundle by ID.
func (c *Client) GetBundle(ctx context.Context, ctxName, repo, id string) (model.Bundle, error) {
	var out model.Bundle
	if err := checkNames("context", ctxName, "repo", repo, "bundle id", id); err != nil {
		return out, err
	}
	return out, c.getJSON(ctx, repoPath(ctxName, repo)+"/bundles/"+id, nil, &out)
}

// LatestBundle gets the repo's most recent bundle (model.ErrNotFound if none).
func (c *Client) LatestBundle(ctx context.Context, ctxName, repo string) (model.Bundle, error) {
	var out model.Bundle
	if err := checkNames("context", ctxName, "repo", repo); err != nil {
		return out, err
	}
	return out, c.getJSON(ctx, repoPath(ctxName, repo)+"/bundles/latest", nil, &out)
}

// CommitBundle commits b to b.Context/b.Repo; the leader assigns ID and
// Timestamp. A non-empty label is moved to the new bundle atomically.
func (c *Client) CommitBundle(ctx context.Context, b model.Bundle, label string) (model.Bundle, error) {
	var out model.Bundle
	if err := checkNames("context", b.Context, "repo", b.Repo); err != nil {
		return out, err
	}
	if len(b.Contributors) == 0 && (c.cfg.Contributor != model.Contributor{}) {
		b.Contributors = []model.Contributor{c.cfg.Contributor}
	}
	if b.Run == "" {
		b.Run = c.cfg.Run
	}
	err := c.sendJSON(ctx, fasthttp.MethodPost, repoPath(b.Context, b.Repo)+"/bundles", false,
		commitRequest{Bundle: b, Label: label}, &out)
	return out, err
}

// CommitBundleOnLabel commits b, moves label to it and records the bundle
// label pointed at before (if any) as a parent of b, all in one Raft command:
// a concurrent move of the label cannot be missed.
func (c *Client) CommitBundleOnLabel(ctx context.Context, b model.Bundle, label string) (model.Bundle, error) {
	var out model.Bundle
	if err := checkNames("context", b.Context, "repo", b.Repo, "label", label); err != nil {
		return out, err
	}
	if len(b.Contributors) == 0 && (c.cfg.Contributor != model.Contributor{}) {
		b.Contributors = []model.Contributor{c.cfg.Contributor}
	}
	if b.Run == "" {
		b.Run = c.cfg.Run
	}
	err := c.sendJSON(ctx, fasthttp.MethodPost, repoPath(b.Context, b.Repo)+"/bundles", false,
		commitRequest{Bundle: b, Label: label, LabelParent: true}, &out)
	return out, err
}

// SetLabel points label name at bundleID, optionally as a compare-and-set.
func (c *Client) SetLabel(ctx context.Context, ctxName, repo, name, bundleID string, opt LabelOptions) (model.Label, error) {
	var out model.Label
	if err := checkNames("context", ctxName, "repo", repo, "label", name); err != nil {
		return out, err
	}
	req := setLabelRequest{BundleID: bundleID, IfMatch: opt.IfMatch, IfNotExists: opt.IfNotExists}
	if contrib := c.contributor(model.Contributor{}); contrib != (model.Contributor{}) {
		req.Contributor = &contrib
	}
	// A label move is not idempotent (a resend applied again after another
	// writer's move would move the label back: jepsen bug 7); its request
	// ID makes the resend safe: the cluster answers it with the first
	// outcome (do).
	err := c.sendJSON(ctx, fasthttp.MethodPut, repoPath(ctxName, repo)+"/labels/"+name, false, req, &out)
	return out, err
}

// GetLabel gets one label.
func (c *Client) GetLabel(ctx context.Context, ctxName, repo, name string) (model.Label, error) {
	var out model.Label
	if err := checkNames("context", ctxName, "repo", repo, "label", name); err != nil {
		return out, err
	}
	return out, c.getJSON(ctx, repoPath(ctxName, repo)+"/labels/"+name, nil, &out)
}

// ListLabels lists a repo's labels whose names start with prefix.
func (c *Client) ListLabels(ctx context.Context, ctxName, repo, prefix string) ([]model.Label, error) {
	if err := checkNames("context", ctxName, "repo", repo); err != nil {
		return nil, err
	}
	var q url.Values
	if prefix != "" {
		q = url.Values{"prefix": {prefix}}
	}
	var out []model.Label
	return out, c.getJSON(ctx, repoPath(ctxName, repo)+"/labels", q, &out)
}

// LabelHistory lists the moves of a label, oldest first.
func (c *Client) LabelHistory(ctx context.Context, ctxName, repo, name string) ([]model.LabelMove, error) {
	if err := checkNames("context", ctxName, "repo", repo, "label", name); err != nil {
		return nil, err
	}
	var out []model.LabelMove
	return out, c.getJSON(ctx, repoPath(ctxName, repo)+"/labels/"+name+"/history", nil, &out)
}
