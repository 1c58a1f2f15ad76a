package api

import (
	"context"
	"fmt"

	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// S3 drafts: reading the summary needs read, commit and discard need write.

// draftRoutes are registered by buildRoutes (routes.go).
func draftRoutes() []route {
	get, post, del := fasthttp.MethodGet, fasthttp.MethodPost, fasthttp.MethodDelete
	return []route{
		newRoute(get, repoPath+"/draft", (*Server).getDraft),
		newRoute(del, repoPath+"/draft", (*Server).discardDraft),
		newRoute(post, repoPath+"/draft/commit", (*Server).commitDraft),
	}
}

func (s *Server) drafts() (Drafts, error) {
	if d, ok := s.cluster.(Drafts); ok {
		return d, nil
	}
	if d, ok := s.meta.(Drafts); ok {
		return d, nil
	}
	return nil, fmt.Errorf("%w: this node does not serve S3 drafts", ErrUnavailable)
}

func (s *Server) getDraft(ctx context.Context, r *request) error {
	c, repo := r.params[0], r.params[1]
	if err := r.require(c, repo, model.PermRead); err != nil {
		return err
	}
	d, err := s.drafts()
	if err != nil {
		return err
	}
	var out DraftSummary
	out.Entries, out.Tombstones, out.Bytes, err = d.DraftCounts(ctx, c, repo)
	if err != nil {
		return fmt.Errorf("api: draft of %s/%s: %w", c, repo, err)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, out)
	return nil
}

func (s *Server) discardDraft(ctx context.Context, r *request) error {
	c, repo := r.params[0], r.params[1]
	if err := r.require(c, repo, model.PermWrite); err != nil {
		return err
	}
	d, err := s.drafts()
	if err != nil {
		return err
	}
	if err := d.Discard(ctx, c, repo); err != nil {
		return fmt.Errorf("api: discard draft of %s/%s: %w", c, repo, err)
	}
	r.rc.SetStatusCode(fasthttp.StatusNoContent)
	return nil
}

func (s *Server) commitDraft(ctx context.Context, r *request) error {
	c, repo := r.params[0], r.params[1]
	if err := r.require(c, repo, model.PermWrite); err != nil {
		return err
	}
	var req DraftCommitRequest
	if err := decodeJSON(r.rc.Request.Body(), &req); err != nil {
		return err
	}
	if req.Label != "" {
		if err := model.ValidateLabelName(req.Label); err != nil {
			return err
		}
	}
	if req.Message == "" {
		return fmt.Errorf("%w: commit needs a message", model.ErrInvalid)
	}
	d, err := s.drafts()
	if err != nil {
		return err
	}
	out, err := d.Commit(ctx, c, repo, req.Label, req.Message, r.contributor())
	if err != nil {
		return fmt.Errorf("api: commit draft of %s/%s: %w", c, repo, err)
	}
	s.writeJSON(r.rc, fasthttp.StatusCreated, out)
	return nil
}
