package api

import (
	"context"
	"fmt"

	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// Contexts: create needs a root key; any authenticated key may read them.

func (s *Server) createContext(ctx context.Context, r *request) error {
	if err := r.requireRoot(); err != nil {
		return err
	}
	var c model.Context
	if err := decodeJSON(r.rc.Request.Body(), &c); err != nil {
		return err
	}
	if err := model.ValidateContextName(c.Name); err != nil {
		return err
	}
	c.Contributor = r.contributor()
	out, err := s.meta.CreateContext(ctx, c)
	if err != nil {
		return fmt.Errorf("api: create context %q: %w", c.Name, err)
	}
	s.writeJSON(r.rc, fasthttp.StatusCreated, out)
	return nil
}

func (s *Server) listContexts(ctx context.Context, r *request) error {
	out, err := s.meta.ListContexts(ctx)
	if err != nil {
		return fmt.Errorf("api: list contexts: %w", err)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, nonNil(out))
	return nil
}

func (s *Server) getContext(ctx context.Context, r *request) error {
	out, err := s.meta.GetContext(ctx, r.params[0])
	if err != nil {
		return fmt.Errorf("api: get context %q: %w", r.params[0], err)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, out)
	return nil
}

// Repos: create/delete need admin, reads need read. Listing shows only the
// repos the key can read.

func (s *Server) createRepo(ctx context.Context, r *request) error {
	var repo model.Repo
	if err := decodeJSON(r.rc.Request.Body(), &repo); err != nil {
		return err
	}
	repo.Context = r.params[0]
	if err := model.ValidateRepo(repo); err != nil {
		return err
	}
	if err := r.require(repo.Context, repo.Name, model.PermAdmin); err != nil {
		return err
	}
	repo.Contributor = r.contributor()
	out, err := s.meta.CreateRepo(ctx, repo)
	if err != nil {
		return fmt.Errorf("api: create repo %s/%s: %w", repo.Context, repo.Name, err)
	}
	s.writeJSON(r.rc, fasthttp.StatusCreated, out)
	return nil
}

func (s *Server) listRepos(ctx context.Context, r *request) error {
	all, err := s.meta.ListRepos(ctx, r.params[0])
	if err != nil {
		return fmt.Errorf("api: list repos in %q: %w", r.params[0], err)
	}
	out := make([]model.Repo, 0, len(all))
	for _, repo := range all {
		if permission(r.key, r.params[0], repo.Name) >= model.PermRead {
			out = append(out, repo)
		}
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, out)
	return nil
}

func (s *Server) getRepo(ctx context.Context, r *request) error {
	c, name := r.params[0], r.params[1]
	if err := r.require(c, name, model.PermRead); err != nil {
		return err
	}
	out, err := s.meta.GetRepo(ctx, c, name)
	if err != nil {
		return fmt.Errorf("api: get repo %s/%s: %w", c, name, err)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, out)
	return nil
}

func (s *Server) deleteRepo(ctx context.Context, r *request) error {
	c, name := r.params[0], r.params[1]
	if err := r.require(c, name, model.PermAdmin); err != nil {
		return err
	}
	if err := s.meta.DeleteRepo(ctx, c, name); err != nil {
		return fmt.Errorf("api: delete repo %s/%s: %w", c, name, err)
	}
	r.rc.SetStatusCode(fasthttp.StatusNoContent)
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
