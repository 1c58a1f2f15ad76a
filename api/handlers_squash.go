package api

import (
	"context"
	"fmt"

	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// Squash deletes past bundles from the metadata (model.SquashRequest):
// admin on the repo (repo squash) or on the whole context (context squash,
// a "ctx/*" grant or a root key). Dry runs need the same: they exist to
// preview the squash the caller is about to make.

// Squasher is the squash part of raftmeta.Meta. It is optional: the Meta
// passed to New implements it when it is the Raft metadata
// (*raftmeta.Meta); otherwise the squash routes answer 503.
type Squasher interface {
	// Squash squashes repo in context (repo "": every repo of the context).
	Squash(ctx context.Context, context, repo string, req model.SquashRequest) (model.SquashResult, error)
}

// squashRoutes are registered by buildRoutes (routes.go).
func squashRoutes() []route {
	post := fasthttp.MethodPost
	return []route{
		newRoute(post, repoPath+"/squash", (*Server).squashRepo),
		newRoute(post, "/v1/contexts/{ctx}/squash", (*Server).squashContext),
	}
}

func (s *Server) squashRepo(ctx context.Context, r *request) error {
	c, repo := r.params[0], r.params[1]
	if err := model.ValidateRepoName(repo); err != nil {
		return err
	}
	return s.squash(ctx, r, c, repo, r.require(c, repo, model.PermAdmin))
}

func (s *Server) squashContext(ctx context.Context, r *request) error {
	c := r.params[0]
	return s.squash(ctx, r, c, "", r.require(c, "*", model.PermAdmin))
}

func (s *Server) squash(ctx context.Context, r *request, c, repo string, denied error) error {
	if err := model.ValidateContextName(c); err != nil {
		return err
	}
	var req model.SquashRequest
	if err := decodeJSON(r.rc.Request.Body(), &req); err != nil {
		return err
	}
	if err := req.Validate(); err != nil {
		return err
	}
	if denied != nil {
		return denied
	}
	sq, ok := s.meta.(Squasher)
	if !ok {
		return fmt.Errorf("%w: this node's metadata store does not squash", ErrUnavailable)
	}
	what := "context " + c
	if repo != "" {
		what = "repo " + c + "/" + repo
	}
	out, err := sq.Squash(ctx, c, repo, req)
	if err != nil {
		return fmt.Errorf("api: squash %s: %w", what, err)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, out)
	return nil
}
