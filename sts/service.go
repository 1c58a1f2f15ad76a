package sts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/jwtauth"
	"github.com/datamon-io/datamon/model"
)

// Verifier verifies web identity tokens (jwtauth.Verifier).
type Verifier interface {
	Verify(ctx context.Context, token string) (jwtauth.Principal, error)
}

// Service implements gateway.Tokens.
type Service struct {
	cfg   Config
	v     Verifier
	keys  keys
	roles map[string]role
}

type role struct {
	arn, account, name string
	grants             jwtauth.Grants
}

var _ gateway.Tokens = (*Service)(nil)

// New builds a Service whose credentials are keyed by clusterSecret (the
// same on every node, so that any node verifies what another issued).
func New(cfg Config, clusterSecret []byte, v Verifier) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if v == nil {
		return nil, fmt.Errorf("%w: no token verifier", ErrConfig)
	}
	k, err := deriveKeys(clusterSecret)
	if err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg.withDefaults(), v: v, keys: k, roles: map[string]role{}}
	for _, r := range cfg.Roles {
		acct, name, _ := splitRoleARN(r.ARN) // validated
		g := jwtauth.Grants{}
		for _, gs := range r.Grants {
			scope, p, _ := jwtauth.ParseGrant(gs)
			g[scope] = max(g[scope], p)
		}
		s.roles[r.ARN] = role{arn: r.ARN, account: acct, name: name, grants: g}
	}
	return s, nil
}

// identity is the gateway identity of a user with grants.
func identity(ak string, u model.User, g jwtauth.Grants) gateway.Identity {
	id := gateway.Identity{AccessKey: ak, User: u.Name, Name: u.Name, Email: u.Email, Root: g[model.ScopeCluster] == model.PermAdmin}
	if len(g) > 0 {
		id.Grants = make(map[string]string, len(g))
		for s, p := range g {
			id.Grants[s] = p.String()
		}
	}
	return id
}

// tokenRefusal maps a verifier error to the gateway's token sentinels.
func tokenRefusal(err error) error {
	if errors.Is(err, jwtauth.ErrExpired) {
		return fmt.Errorf("%w: %w", gateway.ErrExpiredToken, err)
	}
	return fmt.Errorf("%w: %w", gateway.ErrInvalidToken, err)
}

// Bearer implements gateway.Tokens.
func (s *Service) Bearer(ctx context.Context, token string) (gateway.Identity, error) {
	p, err := s.v.Verify(ctx, token)
	if err != nil {
		return gateway.Identity{}, tokenRefusal(err)
	}
	return identity(p.AccessKey().ID, p.User, p.Grants), nil
}

// Session implements gateway.Tokens.
func (s *Service) Session(_ context.Context, accessKey, sessionToken string) (string, gateway.Identity, error) {
	c, err := s.keys.verify(accessKey, sessionToken, s.cfg.Now())
	switch {
	case errors.Is(err, ErrSessionExpired):
		return "", gateway.Identity{}, fmt.Errorf("%w: %w", gateway.ErrExpiredToken, err)
	case err != nil:
		return "", gateway.Identity{}, fmt.Errorf("%w: %w", gateway.ErrInvalidToken, err)
	}
	return s.keys.secretFor(accessKey), identity(accessKey, model.User{Name: c.Subject, Email: c.Email}, c.grants()), nil
}

// STS implements gateway.Tokens: AssumeRoleWithWebIdentity.
func (s *Service) STS(ctx context.Context, req gateway.STSRequest) (int, []byte) {
	out, err := s.assume(ctx, req)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			e = errorf(500, "InternalFailure", "the request processing has failed")
		}
		s.cfg.Logger.Info("sts: AssumeRoleWithWebIdentity refused", "req", req.RequestID, "remote", req.RemoteAddr, "code", e.Code, "err", err)
		return e.Status, errorXML(req.RequestID, e)
	}
	return 200, out
}

func (s *Service) assume(ctx context.Context, hr gateway.STSRequest) ([]byte, error) {
	req, err := ParseRequest(hr.Method, hr.ContentType, hr.Query, hr.Body)
	if err != nil {
		return nil, err
	}
	r, ok := s.roles[req.RoleArn]
	if !ok {
		return nil, errorf(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity: role %q is not configured", req.RoleArn)
	}
	p, err := s.v.Verify(ctx, req.WebIdentityToken)
	if err != nil {
		if errors.Is(err, jwtauth.ErrExpired) {
			return nil, fmt.Errorf("%w: %w", errorf(403, "ExpiredTokenException", "Token expired: %v", err), err)
		}
		return nil, fmt.Errorf("%w: %w", errorf(403, "InvalidIdentityToken", "%v", err), err)
	}
	grants := jwtauth.Intersect(p.Grants, r.grants)
	if len(grants) == 0 {
		return nil, errorf(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity: role %q grants nothing the token of %q may have", req.RoleArn, p.User.Name)
	}
	now := s.cfg.Now()
	d := time.Duration(req.DurationSeconds) * time.Second
	if d == 0 {
		d = DefaultDurationSeconds * time.Second
	}
	exp := now.Add(min(d, s.cfg.MaxDuration))
	if p.Expiry.Before(exp) {
		exp = p.Expiry // credentials never outlive the web identity token
	}
	exp = exp.Truncate(time.Second)
	if !exp.After(now) {
		return nil, errorf(403, "ExpiredTokenException", "Token expired")
	}
	c, err := s.keys.mint(p.User, grants, r.arn, req.RoleSessionName, p.Issuer, now, exp)
	if err != nil {
		return nil, err
	}
	s.cfg.Logger.Info("sts: issued temporary credentials", "req", hr.RequestID, "user", p.User.Name, "issuer", p.Issuer,
		"role", r.arn, "session", req.RoleSessionName, "access_key", c.AccessKeyID, "expires", c.Expiration)
	return successXML(hr.RequestID, p.Subject, p.Audience, p.Issuer, r.arn, r.account, r.name, req.RoleSessionName, c), nil
}
