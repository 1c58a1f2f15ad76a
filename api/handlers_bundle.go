package api

import (
	"context"
	"fmt"

	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// Bundles and labels: reads need read, commits and label moves need write.

func (s *Server) listBundles(ctx context.Context, r *request) error {
	c, repo := r.params[0], r.params[1]
	if err := r.require(c, repo, model.PermRead); err != nil {
		return err
	}
	out, err := s.meta.ListBundles(ctx, c, repo)
	if err != nil {
		return fmt.Errorf("api: list bundles of %s/%s: %w", c, repo, err)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, nonNil(out))
	return nil
}

func (s *Server) getBundle(ctx context.Context, r *request) error {
	c, repo, id := r.params[0], r.params[1], r.params[2]
	if err := r.require(c, repo, model.PermRead); err != nil {
		return err
	}
	out, err := s.meta.GetBundle(ctx, c, repo, id)
	if err != nil {
		return fmt.Errorf("api: get bundle %s/%s/%s: %w", c, repo, id, err)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, out)
	return nil
}

func (s *Server) latestBundle(ctx context.Context, r *request) error {
	c, repo := r.params[0], r.params[1]
	if err := r.require(c, repo, model.PermRead); err != nil {
		return err
	}
	out, err := s.meta.LatestBundle(ctx, c, repo)
	if err != nil {
		return fmt.Errorf("api: latest bundle of %s/%s: %w", c, repo, err)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, out)
	return nil
}

func (s *Server) commitBundle(ctx context.Context, r *request) error {
	c, repo := r.params[0], r.params[1]
	if err := r.require(c, repo, model.PermWrite); err != nil {
		return err
	}
	var req CommitRequest
	if err := decodeJSON(r.rc.Request.Body(), &req); err != nil {
		return err
	}
	b := req.Bundle
	b.Context, b.Repo, b.ID = c, repo, ""
	b.Contributors = []model.Contributor{r.contributor()} // the identity, not the client's claim
	// A commit naming a producing run: its owner's (handlers_runs_change.go).
	if b.Run != "" {
		if err := s.checkRunOutput(ctx, r, b.Run); err != nil {
			return err
		}
	}
	label, err := commitLabel(model.LabelSet{Context: c, Repo: repo, Name: req.Label,
		Contributor: b.Contributors[0], AsParent: req.LabelParent})
	if err != nil {
		return err
	}
	out, err := s.meta.CommitBundle(ctx, b, label)
	if err != nil {
		return fmt.Errorf("api: commit bundle to %s/%s: %w", c, repo, err)
	}
	s.writeJSON(r.rc, fasthttp.StatusCreated, out)
	return nil
}

func (s *Server) setLabel(ctx context.Context, r *request) error {
	c, repo, name := r.params[0], r.params[1], r.params[2]
	if err := r.require(c, repo, model.PermWrite); err != nil {
		return err
	}
	var req SetLabelRequest
	if err := decodeJSON(r.rc.Request.Body(), &req); err != nil {
		return err
	}
	ls := model.LabelSet{
		Context: c, Repo: repo, Name: name, BundleID: req.BundleID,
		Contributor: r.contributor(), IfMatch: req.IfMatch, IfNotExists: req.IfNotExists,
	}
	if err := model.ValidateLabelSet(ls); err != nil {
		return err
	}
	out, err := s.meta.SetLabel(ctx, ls)
	if err != nil {
		return fmt.Errorf("api: set label %s/%s/%s: %w", c, repo, name, err)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, out)
	return nil
}

func (s *Server) getLabel(ctx context.Context, r *request) error {
	c, repo, name := r.params[0], r.params[1], r.params[2]
	if err := r.require(c, repo, model.PermRead); err != nil {
		return err
	}
	out, err := s.meta.GetLabel(ctx, c, repo, name)
	if err != nil {
		return fmt.Errorf("api: get label %s/%s/%s: %w", c, repo, name, err)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, out)
	return nil
}

func (s *Server) listLabels(ctx context.Context, r *request) error {
	c, repo := r.params[0], r.params[1]
	if err := r.require(c, repo, model.PermRead); err != nil {
		return err
	}
	prefix := string(r.rc.QueryArgs().Peek("prefix"))
	out, err := s.meta.ListLabels(ctx, c, repo, prefix)
	if err != nil {
		return fmt.Errorf("api: list labels of %s/%s: %w", c, repo, err)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, nonNil(out))
	return nil
}

func (s *Server) labelHistory(ctx context.Context, r *request) error {
	c, repo, name := r.params[0], r.params[1], r.params[2]
	if err := r.require(c, repo, model.PermRead); err != nil {
		return err
	}
	out, err := s.meta.LabelHistory(ctx, c, repo, name)
	if err != nil {
		return fmt.Errorf("api: label history %s/%s/%s: %w", c, repo, name, err)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, nonNil(out))
	return nil
}

// commitLabel is the label a commit moves with it (nil when l names none):
// its name validated, and the conditions (if_match, if_not_exists,
// label_parent) refused without a label or in contradiction. Shared by
// POST …/bundles and …/bundles/assemble.
func commitLabel(l model.LabelSet) (*model.LabelSet, error) {
	if l.Name == "" {
		if l.IfMatch != "" || l.IfNotExists || l.AsParent {
			return nil, fmt.Errorf("%w: if_match, if_not_exists and label_parent need a label", model.ErrInvalid)
		}
		return nil, nil
	}
	if l.IfMatch != "" && l.IfNotExists {
		return nil, fmt.Errorf("%w: if_match and if_not_exists are exclusive", model.ErrInvalid)
	}
	if err := model.ValidateLabelName(l.Name); err != nil {
		return nil, err
	}
	return &l, nil
}
