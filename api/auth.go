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

// authenticate verifies the request signature and returns the caller's key,
// its SecretGen set to the generation of the secret that verified the
// request (OldSecretGen cleared; see model.Caller).
//
// The key is read from this node's applied state (a stale read), for
// writes too: authorization of a write is enforced where it is ordered
// with every revocation, by the state machine at apply (serve puts the
// key on ctx as a model.Caller, raftmeta stamps the command with it and
// refuses it if the key was deleted, its secret rotated away or a needed
// grant removed before it). A write whose signature does not verify
// against the applied key is retried once with a linearizable read, so
// that a key rotated or re-created on the leader a moment ago works
// through a lagging node; a stale miss is confirmed the same way by the
// node's key store (node/keys.go). Every failure is
// model.ErrUnauthenticated, except a key store that is unavailable (503),
// so that callers can retry another node.
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
	key, err := s.lookupAndVerify(s.cfg.Stale(ctx), h, req)
	if m := req.Method; errors.Is(err, errBadSignature) && m != fasthttp.MethodGet && m != fasthttp.MethodHead {
		key, err = s.lookupAndVerify(ctx, h, req) // linearizable: a secret the leader just set
	}
	if err != nil {
		return model.AccessKey{}, err
	}
	key.Secret, key.OldSecret = "", "" // handlers never need them
	return key, nil
}

// errBadSignature: the signature matched none of the key's valid secrets.
var errBadSignature = errors.New("signature does not match")

// lookupAndVerify reads the key (stale or not, as kctx says) and verifies
// the request against its secrets.
func (s *Server) lookupAndVerify(kctx context.Context, h apiauth.Header, req apiauth.Request) (model.AccessKey, error) {
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
	old, err := s.verifyWithGrace(key, h, req)
	if err != nil {
		return model.AccessKey{}, fmt.Errorf("%w: %w: %v", model.ErrUnauthenticated, errBadSignature, err)
	}
	key.SecretGen, key.OldSecretGen = key.SecretGenOf(old), 0
	return key, nil
}

// verifyWithGrace checks the signature with the key's secret and, during a
// rotation's grace period (before OldSecretUntil), with its previous one;
// old says the previous one matched.
func (s *Server) verifyWithGrace(key model.AccessKey, h apiauth.Header, req apiauth.Request) (old bool, err error) {
	err = apiauth.Verify(key.Secret, h, req)
	if err == nil || key.OldSecret == "" || !s.cfg.Now().Before(key.OldSecretUntil) {
		return false, err
	}
	if apiauth.Verify(key.OldSecret, h, req) == nil {
		return true, nil
	}
	return false, err
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
// grant only). A grant on model.ScopeCluster applies to every repo. The
// state machine re-checks the same rule at apply (model.KeyPermission).
func permission(k model.AccessKey, context, repo string) model.Permission {
	return model.KeyPermission(k, model.RepoScope(context, repo))
}

// anyPermission is the highest permission k has anywhere.
func anyPermission(k model.AccessKey) model.Permission {
	return model.KeyPermission(k, model.ScopeAny)
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

// require, requireAny and requireRoot record what they granted on the
// request's model.Caller (model.Need): every write the request makes
// afterwards is refused at apply if the key lost it meanwhile.
func (r *request) require(context, repo string, want model.Permission) error {
	if permission(r.key, context, repo) >= want {
		model.Need(r.ctx, model.Grant{Scope: model.RepoScope(context, repo), Permission: want})
		return nil
	}
	return fmt.Errorf("%w: key %q needs %s on %s/%s", model.ErrPermission, r.key.ID, permName(want), context, repo)
}

func (r *request) requireAny(want model.Permission) error {
	if anyPermission(r.key) >= want {
		model.Need(r.ctx, model.Grant{Scope: model.ScopeAny, Permission: want})
		return nil
	}
	return fmt.Errorf("%w: key %q needs %s on some repo", model.ErrPermission, r.key.ID, permName(want))
}

// requireRoot: the root key or a cluster admin (admin on model.ScopeCluster).
func (r *request) requireRoot() error {
	if isClusterAdmin(r.key) {
		model.Need(r.ctx, model.Grant{Scope: model.ScopeCluster, Permission: model.PermAdmin})
		return nil
	}
	return fmt.Errorf("%w: key %q is not a root key (or admin on %q)", model.ErrPermission, r.key.ID, model.ScopeCluster)
}
