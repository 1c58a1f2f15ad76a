package client

import (
	"context"

	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// DraftSummary describes a repo's S3 draft (uncommitted S3 writes).
type DraftSummary struct {
	Entries    int64 `json:"entries"`
	Tombstones int64 `json:"tombstones"`
	Bytes      int64 `json:"bytes"`
}

type draftCommitRequest struct {
	Label       string            `json:"label,omitempty"`
	Message     string            `json:"message"`
	Contributor model.Contributor `json:"contributor,omitempty"`
}

// CommitDraft turns the repo's S3 draft into a bundle whose parent is the
// label's bundle and moves the label (label "" = the repo's head label). model.ErrInvalid
// if the draft is empty; model.ErrPrecondition if the label kept moving.
func (c *Client) CommitDraft(ctx context.Context, ctxName, repo, label, message string) (model.Bundle, error) {
	var out model.Bundle
	if err := checkNames("context", ctxName, "repo", repo); err != nil {
		return out, err
	}
	req := draftCommitRequest{Label: label, Message: message, Contributor: c.contributor(model.Contributor{})}
	err := c.sendJSON(ctx, fasthttp.MethodPost, repoPath(ctxName, repo)+"/draft/commit", false, req, &out)
	return out, err
}

// DiscardDraft drops the repo's S3 draft.
func (c *Client) DiscardDraft(ctx context.Context, ctxName, repo string) error {
	if err := checkNames("context", ctxName, "repo", repo); err != nil {
		return err
	}
	// Resent with its request ID: applied once, never dropping objects put
	// into the new draft in between.
	_, _, err := c.do(ctx, call{method: fasthttp.MethodDelete, path: repoPath(ctxName, repo) + "/draft", idempotent: false})
	return err
}

// GetDraft summarises the repo's S3 draft.
func (c *Client) GetDraft(ctx context.Context, ctxName, repo string) (DraftSummary, error) {
	var out DraftSummary
	if err := checkNames("context", ctxName, "repo", repo); err != nil {
		return out, err
	}
	return out, c.getJSON(ctx, repoPath(ctxName, repo)+"/draft", nil, &out)
}
