package api

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/datamon-io/datamon/apiauth"
	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// authenticate verifies the request signature and returns the caller's key.
// A request that may change state (any method but GET and HEAD) reads the
// key linearizably, so a key deleted or rotated without grace before the
// request arrived never authorises a write through a node that has not
// applied the revocation yet (the jepsen keys workload's finding on the
// S3 gateway); reads use this node's applied state (replication lag).
// Every failure is model.ErrUnauthenticated, except a key store that is
// unavailable (503), so that callers can retry another node.
func (s *Server) authenticate(ctx context.Context, rc *fasthttp.RequestCtx, unsignedOK bool) (model.AccessKey, error) {
	if tok, ok := bearerToken(rc); ok {
		return s.authenticateBearer(ctx, tok) // auth_bearer.go
	}
	h, err := apiauth.ParseHeader(string(rc.Request.Header.Peek(fasthttp.HeaderAuthorization)))
	if err != nil {
		return model.AccessKey{}, fmt.Errorf("%w: %v", model.ErrUnauthenticated, err)
	}
	if err := apiauth.CheckDate(h.Date, s.cfg.Now(), s.cfg.ClockSkew); err != nil {
		return model.AccessKey{}, fmt.Errorf("%w: %v", model.ErrUnauthenticated, err)
	}
	kctx := ctx
	if m := string(rc.Method()); m == fasthttp.MethodGet || m == fasthttp.MethodHead {
		kctx = s.cfg.Stale(ctx)
	}
	key, err := s.meta.GetAccessKey(kctx, h.Credential)
	if errors.Is(err, model.ErrNotFound) {
		return model.AccessKey{}, fmt.Errorf("%w: unknown access key %q", model.ErrUnauthenticated, h.Credential)
	}
	if err != nil {
		// Nothing of the request was processed: say so (503 NotServing),
		// so clients may resend even a non-idempotent write elsewhere.
		if !errors.Is(err, ErrNotServing) {
			err = fmt.Errorf("%w: %w", ErrNotServing, err)
		}
		return model.AccessKey{}, fmt.Errorf("api: look up access key: %w", err)
	}
	if key.Secret == "" {
		return model.AccessKey{}, fmt.Errorf("%w: access key %q has no secret", model.ErrUnauthenticated, h.Credential)
	}
	req := apiauth.Request{
		Method:     string(rc.Method()),
		Path:       string(rc.Path()),
		Query:      queryValues(rc),
		BodyDigest: string(rc.Request.Header.Peek(HeaderContentDigest)),
	}
	body := rc.Request.Body()
	switch {
	case req.BodyDigest == apiauth.UnsignedPayload && unsignedOK:
	case req.BodyDigest == apiauth.UnsignedPayload:
		return model.AccessKey{}, fmt.Errorf("%w: unsigned payload not allowed on this route", model.ErrUnauthenticated)
	default:
		req.BodyDigest = apiauth.BodyDigest(body)
	}
	if err := s.verifyWithGrace(key, h, req); err != nil {
		return model.AccessKey{}, fmt.Errorf("%w: %v", model.ErrUnauthenticated, err)
	}
	key.Secret, key.OldSecret = "", "" // handlers never need them
	return key, nil
}

// verifyWithGrace checks the signature with the key's secret and, during a
// rotation's grace period (before OldSecretUntil), with its previous one.
func (s *Server) verifyWithGrace(key model.AccessKey, h apiauth.Header, req apiauth.Request) error {
	err := apiauth.Verify(key.Secret, h, req)
	if err == nil || key.OldSecret == "" || !s.cfg.Now().Before(key.OldSecretUntil) {
		return err
	}
	if apiauth.Verify(key.OldSecret, h, req) == nil {
		return nil
	}
	return err
}

// HeaderContentDigest carries the body digest the client signed: the hex
// SHA-256 of the body (recomputed by the server) or UNSIGNED-PAYLOAD.
const HeaderContentDigest = apiauth.HeaderContentDigest

func queryValues(rc *fasthttp.RequestCtx) url.Values {
	q := url.Values{}
	for k, v := range rc.QueryArgs().All() {
		q.Add(string(k), string(v))
	}
	return q
}

// permission is k's permission on context/repo ("*" repo: context-wide
// grant only). A grant on model.ScopeCluster applies to every repo.
func permission(k model.AccessKey, context, repo string) model.Permission {
	if k.Root {
		return model.PermAdmin
	}
	p := max(k.Grants[model.ScopeCluster], k.Grants[context+"/*"])
	if repo != "*" {
		p = max(p, k.Grants[context+"/"+repo])
	}
	return p
}

// anyPermission is the highest permission k has anywhere.
func anyPermission(k model.AccessKey) model.Permission {
	if k.Root {
		return model.PermAdmin
	}
	var p model.Permission
	for _, g := range k.Grants {
		p = max(p, g)
	}
	return p
}

func permName(p model.Permission) string {
	switch p {
	case model.PermRead:
		return "read"
	case model.PermWrite:
		return "write"
	case model.PermAdmin:
		return "admin"
	}
	return "none"
}

func (r *request) require(context, repo string, want model.Permission) error {
	if permission(r.key, context, repo) >= want {
		return nil
	}
	return fmt.Errorf("%w: key %q needs %s on %s/%s", model.ErrPermission, r.key.ID, permName(want), context, repo)
}

func (r *request) requireAny(want model.Permission) error {
	if anyPermission(r.key) >= want {
		return nil
	}
	return fmt.Errorf("%w: key %q needs %s on some repo", model.ErrPermission, r.key.ID, permName(want))
}

// requireRoot: the root key or a cluster admin (admin on model.ScopeCluster).
func (r *request) requireRoot() error {
	if isClusterAdmin(r.key) {
		return nil
	}
	return fmt.Errorf("%w: key %q is not a root key (or admin on %q)", model.ErrPermission, r.key.ID, model.ScopeCluster)
}
