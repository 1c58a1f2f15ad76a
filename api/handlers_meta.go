package api

import (
	"context"
	"fmt"
	"strings"

	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// Contexts: create needs a root key; reading one needs a grant in it.

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

// Contexts, like repos, are seen only by keys with a grant in them (every
// context: a grant on model.ScopeCluster, or the root key); asking for
// another is a permission error, whether it exists or not.

func (s *Server) listContexts(ctx context.Context, r *request) error {
	all, err := s.meta.ListContexts(ctx)
	if err != nil {
		return fmt.Errorf("api: list contexts: %w", err)
	}
	out := []model.Context{}
	for _, c := range all {
		if seesContext(r.key, c.Name) {
			out = append(out, c)
		}
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, out)
	return nil
}

func (s *Server) getContext(ctx context.Context, r *request) error {
	if !seesContext(r.key, r.params[0]) {
		return fmt.Errorf("%w: key %q has no grant in context %q", model.ErrPermission, r.key.ID, r.params[0])
	}
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

// seesContext: k holds some grant in context c (on c/*, on a repo of c,
// or on the cluster scope), or is the root key.
func seesContext(k model.AccessKey, c string) bool {
	if k.Root || k.Grants[model.ScopeCluster] > model.PermNone {
		return true
	}
	for scope, p := range k.Grants {
		if p > model.PermNone && strings.HasPrefix(scope, c+"/") {
			return true
		}
	}
	return false
}
