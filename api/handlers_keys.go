package api

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// Access keys and their grants (rules in handlers_identity.go). The server
// makes every ID and secret (keygen.go); a secret leaves it only in the
// answer of create and rotate. Grants need not name an existing repo: a
// pipeline's key may be made before its repo.

// createKeyAttempts bounds the retries on an ID collision (~2^-90 each).
const createKeyAttempts = 3

func (s *Server) createKey(ctx context.Context, r *request) error {
	if err := r.requireClusterAdmin(); err != nil {
		return err
	}
	var req CreateKeyRequest
	if err := decodeJSON(r.rc.Request.Body(), &req); err != nil {
		return err
	}
	if err := model.ValidateUserName(req.User); err != nil {
		return err
	}
	grants, err := parseGrants(req.Grants)
	if err != nil {
		return err
	}
	id, err := s.identities()
	if err != nil {
		return err
	}
	u, err := id.GetUser(ctx, req.User)
	if err != nil {
		return fmt.Errorf("api: create key: user %q: %w", req.User, err)
	}
	for attempt := 1; ; attempt++ {
		k := model.AccessKey{ID: newKeyID(), Secret: newSecret(), User: u.Name, Contributor: u.Contributor(), Grants: grants}
		out, err := id.CreateKey(ctx, k)
		if errors.Is(err, model.ErrExists) && attempt < createKeyAttempts {
			continue
		}
		if err != nil {
			return fmt.Errorf("api: create key for user %q: %w", req.User, err)
		}
		s.log.Info("access key created", "key", out.ID, "user", out.User, "grants", len(out.Grants), "by", r.key.ID)
		s.writeJSON(r.rc, fasthttp.StatusCreated, KeySecret{KeyInfo: NewKeyInfo(out), Secret: firstSecret(out, k.Secret)})
		return nil
	}
}

func (s *Server) listKeys(ctx context.Context, r *request) error {
	if err := r.requireClusterAdmin(); err != nil {
		return err
	}
	user := string(r.rc.QueryArgs().Peek("user"))
	if user != "" {
		if err := model.ValidateUserName(user); err != nil {
			return err
		}
	}
	id, err := s.identities()
	if err != nil {
		return err
	}
	keys, err := id.ListKeys(ctx, user)
	if err != nil {
		return fmt.Errorf("api: list keys: %w", err)
	}
	out := make([]KeyInfo, len(keys))
	for i, k := range keys {
		out[i] = NewKeyInfo(k)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, out)
	return nil
}

// keyParam is the route's key ID, once the caller may act on it.
func (r *request) keyParam() (string, error) {
	keyID := r.params[0]
	if err := r.requireSelfOrAdmin(keyID); err != nil {
		return "", err
	}
	return keyID, validateKeyID(keyID)
}

func (s *Server) getKey(ctx context.Context, r *request) error {
	keyID, err := r.keyParam()
	if err != nil {
		return err
	}
	id, err := s.identities()
	if err != nil {
		return err
	}
	k, err := id.GetKey(ctx, keyID)
	if err != nil {
		return fmt.Errorf("api: get key %q: %w", keyID, err)
	}
	s.writeJSON(r.rc, fasthttp.StatusOK, NewKeyInfo(k))
	return nil
}

func (s *Server) deleteKey(ctx context.Context, r *request) error {
	keyID := r.params[0]
	if err := r.requireClusterAdmin(); err != nil {
		return err
	}
	if keyID == r.key.ID {
		return fmt.Errorf("%w: key %q signs this request: delete it with another admin key", model.ErrPrecondition, keyID)
	}
	id, err := s.identities()
	if err != nil {
		return err
	}
	if err := id.DeleteKey(ctx, keyID); err != nil {
		return fmt.Errorf("api: delete key %q: %w", keyID, err)
	}
	s.log.Info("access key deleted", "key", keyID, "by", r.key.ID)
	r.rc.SetStatusCode(fasthttp.StatusNoContent)
	return nil
}

// parseGrace reads RotateKeyRequest.Grace ("": model.DefaultRotationGrace).
func parseGrace(s string) (time.Duration, error) {
	if s == "" {
		return model.DefaultRotationGrace, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%w: grace %q: %v", model.ErrInvalid, s, err)
	}
	if d < 0 || d > model.MaxRotationGrace {
		return 0, fmt.Errorf("%w: grace %v: want 0 to %v", model.ErrInvalid, d, model.MaxRotationGrace)
	}
	return d, nil
}

func (s *Server) rotateKey(ctx context.Context, r *request) error {
	keyID, err := r.keyParam()
	if err != nil {
		return err
	}
	var req RotateKeyRequest
	if err := decodeJSON(r.rc.Request.Body(), &req); err != nil {
		return err
	}
	grace, err := parseGrace(req.Grace)
	if err != nil {
		return err
	}
	id, err := s.identities()
	if err != nil {
		return err
	}
	secret := newSecret()
	out, err := id.RotateKey(ctx, keyID, secret, grace)
	if err != nil {
		return fmt.Errorf("api: rotate key %q: %w", keyID, err)
	}
	s.log.Info("access key rotated", "key", keyID, "grace", grace, "by", r.key.ID)
	s.writeJSON(r.rc, fasthttp.StatusOK, KeySecret{KeyInfo: NewKeyInfo(out), Secret: firstSecret(out, secret)})
	return nil
}

// lockout refuses a change that takes the caller's own cluster admin away.
func (r *request) lockout(keyID, scope string, p model.Permission) error {
	if keyID != r.key.ID || scope != model.ScopeCluster || r.key.Root || p >= model.PermAdmin {
		return nil
	}
	return fmt.Errorf("%w: key %q would lose its own cluster admin grant: change it with another admin key", model.ErrPrecondition, keyID)
}

func (s *Server) addGrant(ctx context.Context, r *request) error {
	keyID := r.params[0]
	if err := r.requireClusterAdmin(); err != nil {
		return err
	}
	var req AddGrantRequest
	if err := decodeJSON(r.rc.Request.Body(), &req); err != nil {
		return err
	}
	g, err := model.ParseGrant(req.Grant)
	if err != nil {
		return err
	}
	scope, p := g.Scope, g.Permission
	if err := r.lockout(keyID, scope, p); err != nil {
		return err
	}
	id, err := s.identities()
	if err != nil {
		return err
	}
	out, err := id.AddGrant(ctx, keyID, scope, p)
	if err != nil {
		return fmt.Errorf("api: grant %s on %q to key %q: %w", p, scope, keyID, err)
	}
	s.log.Info("grant added", "key", keyID, "scope", scope, "permission", p.String(), "by", r.key.ID)
	s.writeJSON(r.rc, fasthttp.StatusOK, NewKeyInfo(out))
	return nil
}

func (s *Server) removeGrant(ctx context.Context, r *request) error {
	keyID := r.params[0]
	if err := r.requireClusterAdmin(); err != nil {
		return err
	}
	scope := string(r.rc.QueryArgs().Peek("scope"))
	if err := model.ValidateScope(scope); err != nil {
		return err
	}
	if err := r.lockout(keyID, scope, model.PermNone); err != nil {
		return err
	}
	id, err := s.identities()
	if err != nil {
		return err
	}
	out, err := id.RemoveGrant(ctx, keyID, scope)
	if err != nil {
		return fmt.Errorf("api: remove grant on %q from key %q: %w", scope, keyID, err)
	}
	s.log.Info("grant removed", "key", keyID, "scope", scope, "by", r.key.ID)
	s.writeJSON(r.rc, fasthttp.StatusOK, NewKeyInfo(out))
	return nil
}

// firstSecret is the secret to show for a created or rotated key: the one
// the store returns (for a resent request, the first attempt's secret,
// not the one this attempt generated), else the one sent.
func firstSecret(out model.AccessKey, sent string) string {
	if out.Secret != "" {
		return out.Secret
	}
	return sent
}
