package api

import (
	"context"
	"fmt"

	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// Users, access keys and grants. Every route needs a cluster admin (the
// root key, or a key with admin on "*"), except that a key may read its own
// user and itself and rotate itself (a pipeline rolls its own secret). A
// key that may not see another key or user is refused before any lookup,
// so a 403 says nothing about what exists. An admin cannot delete the key
// it signs with, its own user, or drop its own cluster-admin grant: that
// would lock the caller out; do it with another admin key.

// identityRoutes are registered by buildRoutes (routes.go).
func identityRoutes() []route {
	get, post, del := fasthttp.MethodGet, fasthttp.MethodPost, fasthttp.MethodDelete
	return []route{
		newRoute(post, "/v1/users", (*Server).createUser),
		newRoute(get, "/v1/users", (*Server).listUsers),
		newRoute(get, "/v1/users/{name}", (*Server).getUser),
		newRoute(del, "/v1/users/{name}", (*Server).deleteUser),
		newRoute(post, "/v1/keys", (*Server).createKey),
		newRoute(get, "/v1/keys", (*Server).listKeys),
		newRoute(get, "/v1/keys/{id}", (*Server).getKey),
		newRoute(del, "/v1/keys/{id}", (*Server).deleteKey),
		newRoute(post, "/v1/keys/{id}/rotate", (*Server).rotateKey),
		newRoute(post, "/v1/keys/{id}/grants", (*Server).addGrant),
		newRoute(del, "/v1/keys/{id}/grants", (*Server).removeGrant),
	}
}

// identities is Config.Identities, else the Meta's own implementation;
// without either the identity routes answer 503.
func (s *Server) identities() (Identities, error) {
	if s.cfg.Identities != nil {
		return s.cfg.Identities, nil
	}
	if id, ok := s.meta.(Identities); ok {
		return id, nil
	}
	return nil, fmt.Errorf("%w: this node's metadata store does not manage users and keys", ErrUnavailable)
}

// isClusterAdmin: the root key or admin on model.ScopeCluster.
func isClusterAdmin(k model.AccessKey) bool {
	return k.Root || k.Grants[model.ScopeCluster] >= model.PermAdmin
}

func (r *request) requireClusterAdmin() error {
	if isClusterAdmin(r.key) {
		model.Need(r.ctx, model.Grant{Scope: model.ScopeCluster, Permission: model.PermAdmin})
		return nil
	}
	return fmt.Errorf("%w: key %q is not a cluster admin (root, or admin on %q)", model.ErrPermission, r.key.ID, model.ScopeCluster)
}

// requireSelfOrAdmin lets a key act on itself.
func (r *request) requireSelfOrAdmin(keyID string) error {
	if keyID == r.key.ID {
		return nil
	}
	return r.requireClusterAdmin()
}

func (s *Server) createUser(ctx context.Context, r *request) error {
	if err := r.requireClusterAdmin(); err != nil {
		return err
	}
	var req CreateUserRequest
	if err := decodeJSON(r.rc.Request.Body(), &req); err != nil {
		return err
	}
	u := model.User{Name: req.Name, Email: req.Email}
	if err := model.ValidateUser(u); err != nil {
		return err
	}
	id, err := s.identities()
	if err != nil {
		return err
	}
	out, err := id.CreateUser(ctx, u)
	if err != nil {
		return fmt.Errorf("api: create user %q: %w", u.Name, err)
	}
	s.log.Info("user created", "user", out.Name, "by", r.key.ID)
	s.writeJSON(r.rc, fasthttp.StatusCreated, out)
	return nil
}

func (s *Server) listUsers(ctx context.Context, r *request) error {
	if err := r.requireClusterAdmin(); err != nil {
		return err
	}
	id, err := s.identities()
	if err != nil {
		return err
	}
	out, err := id.ListUsers(ctx)
	if err != nil {
		return fmt.Errorf("api: list users: %w", err)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, nonNil(out))
	return nil
}

func (s *Server) getUser(ctx context.Context, r *request) error {
	name := r.params[0]
	if r.key.User == "" || name != r.key.User {
		if err := r.requireClusterAdmin(); err != nil {
			return err
		}
	}
	id, err := s.identities()
	if err != nil {
		return err
	}
	out, err := id.GetUser(ctx, name)
	if err != nil {
		return fmt.Errorf("api: get user %q: %w", name, err)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, out)
	return nil
}

func (s *Server) deleteUser(ctx context.Context, r *request) error {
	name := r.params[0]
	if err := r.requireClusterAdmin(); err != nil {
		return err
	}
	if name == r.key.User {
		return fmt.Errorf("%w: user %q holds the key %q this request is signed with: delete it with another admin key",
			model.ErrPrecondition, name, r.key.ID)
	}
	id, err := s.identities()
	if err != nil {
		return err
	}
	if err := id.DeleteUser(ctx, name); err != nil {
		return fmt.Errorf("api: delete user %q: %w", name, err)
	}
	s.log.Info("user deleted", "user", name, "by", r.key.ID)
	r.rc.SetStatusCode(fasthttp.StatusNoContent)
	return nil
}
