package api

import (
	"context"
	"fmt"

	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// Repo administration: rename and delete files need admin on the repo
// (rename also on the new name: it takes that name over, like a create).

// repoAdminRoutes are registered by buildRoutes (routes.go).
func repoAdminRoutes() []route {
	post := fasthttp.MethodPost
	return []route{
		newRoute(post, repoPath+"/rename", (*Server).renameRepo),
		newRoute(post, repoPath+"/delete-files", (*Server).deleteFiles),
	}
}

func (s *Server) repoAdmin() (RepoAdmin, error) {
	if a, ok := s.meta.(RepoAdmin); ok {
		return a, nil
	}
	return nil, fmt.Errorf("%w: this node's metadata store cannot rename repos or rewrite bundles", ErrUnavailable)
}

func (s *Server) renameRepo(ctx context.Context, r *request) error {
	c, from := r.params[0], r.params[1]
	var req RenameRepoRequest
	if err := decodeJSON(r.rc.Request.Body(), &req); err != nil {
		return err
	}
	if err := model.ValidateRepoName(req.NewName); err != nil {
		return fmt.Errorf("api: new repo name: %w", err)
	}
	for _, name := range []string{from, req.NewName} {
		if err := r.require(c, name, model.PermAdmin); err != nil {
			return err
		}
	}
	a, err := s.repoAdmin()
	if err != nil {
		return err
	}
	out, err := a.RenameRepo(ctx, c, from, req.NewName)
	if err != nil {
		return fmt.Errorf("api: rename repo %s/%s to %q: %w", c, from, req.NewName, err)
	}
	s.log.Info("repo renamed", "context", c, "from", from, "to", req.NewName, "key", r.key.ID,
		"bundles", out.Bundles, "labels", out.Labels, "key_refs", out.KeyRefs)
	s.writeJSON(r.rc, fasthttp.StatusOK, out)
	return nil
}

func (s *Server) deleteFiles(ctx context.Context, r *request) error {
	c, repo := r.params[0], r.params[1]
	if err := r.require(c, repo, model.PermAdmin); err != nil {
		return err
	}
	var req DeleteFilesRequest
	if err := decodeJSON(r.rc.Request.Body(), &req); err != nil {
		return err
	}
	set, err := pathSet(req.Paths)
	if err != nil {
		return err
	}
	a, err := s.repoAdmin()
	if err != nil {
		return err
	}
	out, err := s.removeFromBundles(ctx, a, c, repo, set)
	if err != nil {
		return fmt.Errorf("api: delete files in %s/%s: %w", c, repo, err)
	}
	s.log.Info("files deleted from bundles", "context", c, "repo", repo, "key", r.key.ID,
		"paths", len(set), "removed", out.Removed, "bundles", len(out.Bundles))
	s.writeJSON(r.rc, fasthttp.StatusOK, out)
	return nil
}
