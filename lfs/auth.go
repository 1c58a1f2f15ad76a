package lfs

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/model"
)

// authenticate identifies the caller: HTTP Basic (access key ID : secret)
// here, any other scheme through the Authenticator. Transfer tokens are
// checked by the transfer handlers, never here.
func (s *Server) authenticate(ctx context.Context, r *req) error {
	h := string(r.rc.Request.Header.Peek("Authorization"))
	switch {
	case h == "":
		return fmt.Errorf("%w: credentials required (HTTP Basic: access key ID and secret)", model.ErrUnauthenticated)
	case strings.HasPrefix(h, tokenScheme):
		return fmt.Errorf("%w: a transfer token does not authorize %s", model.ErrUnauthenticated, r.rc.Path())
	case len(h) > 6 && strings.EqualFold(h[:6], "basic "):
		m := string(r.rc.Method())
		k, err := s.basic(ctx, h[6:], m != "GET" && m != "HEAD")
		r.key, r.raftKey = k, err == nil
		return err
	case s.auth == nil:
		return fmt.Errorf("%w: unsupported authorization scheme", model.ErrUnauthenticated)
	}
	// The API's authentication: a bearer token, or a datamon-signed
	// request whose key comes back with the SecretGen that verified it.
	k, err := s.auth.Authenticate(ctx, r.rc)
	r.key, r.bearer = k, err == nil && len(h) > 7 && strings.EqualFold(h[:7], "bearer ")
	r.raftKey = err == nil && !r.bearer
	return err
}

// basic checks HTTP Basic credentials against the key store, as the API
// does: a stale read (this node's applied state). A write is authorised at
// apply by the state machine (stamp), so a key revoked meanwhile never
// writes; a write (retry) whose secret does not match the applied key is
// checked once more with a linearizable read, so a secret just rotated in
// works through a lagging node. The key comes back with SecretGen set to
// the generation of the matching secret.
func (s *Server) basic(ctx context.Context, enc string, retry bool) (model.AccessKey, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return model.AccessKey{}, fmt.Errorf("%w: malformed Basic credentials", model.ErrUnauthenticated)
	}
	id, secret, ok := strings.Cut(string(raw), ":")
	if !ok || id == "" || secret == "" {
		return model.AccessKey{}, fmt.Errorf("%w: Basic credentials need access key ID and secret", model.ErrUnauthenticated)
	}
	k, err := s.lookupKey(ctx, id, false)
	if err != nil {
		return k, err
	}
	old, ok := s.secretOK(k, secret)
	if !ok && retry {
		if k, err = s.lookupKey(ctx, id, true); err != nil {
			return k, err
		}
		old, ok = s.secretOK(k, secret)
	}
	if !ok {
		return model.AccessKey{}, fmt.Errorf("%w: wrong secret for access key %q", model.ErrUnauthenticated, id)
	}
	k.SecretGen, k.OldSecretGen = k.SecretGenOf(old), 0
	k.Secret, k.OldSecret = "", ""
	return k, nil
}

func (s *Server) lookupKey(ctx context.Context, id string, fresh bool) (model.AccessKey, error) {
	kctx := ctx
	if !fresh {
		kctx = s.cfg.Stale(ctx)
	}
	k, err := s.meta.GetAccessKey(kctx, id)
	if errors.Is(err, model.ErrNotFound) {
		return model.AccessKey{}, fmt.Errorf("%w: unknown access key %q", model.ErrUnauthenticated, id)
	}
	if err != nil {
		if !errors.Is(err, api.ErrNotServing) {
			err = fmt.Errorf("%w: %w", api.ErrNotServing, err)
		}
		return model.AccessKey{}, fmt.Errorf("lfs: look up access key: %w", err)
	}
	return k, nil
}

// secretOK compares in constant time; a rotated key's old secret counts
// until its grace period ends (old: it matched).
func (s *Server) secretOK(k model.AccessKey, secret string) (old, ok bool) {
	eq := func(a string) bool { return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(secret)) == 1 }
	if eq(k.Secret) {
		return false, true
	}
	ok = k.OldSecret != "" && s.cfg.Now().Before(k.OldSecretUntil) && eq(k.OldSecret)
	return ok, ok
}

// transferAuth authorizes a transfer: a token for op on this object (the
// key it names must still exist and hold want), or ordinary credentials
// holding want. It returns the token's grant (zero for credentials).
func (s *Server) transferAuth(ctx context.Context, r *req, op, oid string, want model.Permission) (transferGrant, bool, error) {
	h := string(r.rc.Request.Header.Peek("Authorization"))
	if !strings.HasPrefix(h, tokenScheme) {
		if err := s.authenticate(ctx, r); err != nil {
			return transferGrant{}, false, err
		}
		return transferGrant{}, false, r.require(want)
	}
	g, err := parseToken(s.cfg.HrefKey, strings.TrimPrefix(h, tokenScheme), s.cfg.Now())
	if err != nil {
		return g, true, err
	}
	if !g.matches(op, r.context, r.repo, oid) {
		return g, true, fmt.Errorf("%w: token is for %s of %s/%s/%s", ErrToken, g.Op, g.Context, g.Repo, g.OID)
	}
	if g.Bearer {
		r.key = model.AccessKey{ID: g.Key, Grants: map[string]model.Permission{g.Context + "/" + g.Repo: g.Perm}}
		return g, true, r.require(want)
	}
	// The token names a key, not a secret: the key as this node has it
	// (stale); the write is stamped with its current secret generation, so
	// deleting the key, or rotating it without grace, voids the token.
	if r.key, err = s.lookupKey(ctx, g.Key, false); err != nil {
		return g, true, err
	}
	r.raftKey = true
	return g, true, r.require(want)
}

// owner is the lock owner name of the caller: its user, else its key ID.
func owner(k model.AccessKey) string {
	if k.User != "" {
		return k.User
	}
	return k.ID
}
