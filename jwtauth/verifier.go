package jwtauth

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/datamon-io/datamon/model"
)

// Principal is the identity a verified token carries.
type Principal struct {
	// User is the mapped user (Name from the user claim, Email from the email claim).
	User model.User
	// Grants are the token's grants (DefaultGrants plus those of its groups).
	Grants Grants
	// Root: the grants include admin on model.ScopeCluster.
	Root bool
	// Issuer and Subject are the token's "iss" and "sub".
	Issuer, Subject string
	// Audience is the token's audience that matched the configuration.
	Audience string
	// Expiry is the token's "exp".
	Expiry time.Time
}

// AccessKey is the principal as the model.AccessKey the API authorises with.
// Its ID is "jwt:" + the user name; it has no secret.
func (p Principal) AccessKey() model.AccessKey {
	return model.AccessKey{
		ID:          "jwt:" + p.User.Name,
		Contributor: p.User.Contributor(),
		Root:        p.Root,
		Grants:      maps.Clone(p.Grants),
		User:        p.User.Name,
	}
}

// Verifier checks tokens against the configured issuers. It is safe for
// concurrent use and starts no goroutines.
type Verifier struct {
	cfg     Config
	issuers map[string]*issuer
}

type issuer struct {
	cfg    IssuerConfig
	algs   []jose.SignatureAlgorithm
	keys   *keySet
	grants map[string]Grants // group → grants
	deflt  Grants
}

// New builds a Verifier. Key sets in files are read now (a missing or
// unreadable file is an error); key sets behind URLs on first use.
func New(ctx context.Context, cfg Config) (*Verifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	v := &Verifier{cfg: cfg, issuers: map[string]*issuer{}}
	for _, ic := range cfg.Issuers {
		ic = ic.withDefaults()
		is := &issuer{cfg: ic, grants: map[string]Grants{}}
		for _, a := range ic.Algorithms {
			is.algs = append(is.algs, jose.SignatureAlgorithm(a))
		}
		is.deflt, _ = parseGrants(ic.DefaultGrants) // validated
		for g, list := range ic.Groups {
			is.grants[g], _ = parseGrants(list)
		}
		is.keys = &keySet{file: ic.JWKSFile, url: ic.JWKSURL, client: cfg.HTTPClient, refresh: cfg.RefreshInterval,
			minRefresh: cfg.MinRefresh, now: cfg.Now, log: cfg.Logger.With("issuer", ic.Issuer)}
		if ic.JWKSFile != "" {
			keys, err := is.keys.read(ctx)
			if err != nil {
				return nil, fmt.Errorf("%w: issuer %q: %w", ErrConfig, ic.Issuer, err)
			}
			is.keys.keys, is.keys.loaded, is.keys.tried = keys, cfg.Now(), cfg.Now()
		}
		v.issuers[ic.Issuer] = is
	}
	return v, nil
}

// Enabled reports whether any issuer is configured.
func (v *Verifier) Enabled() bool { return v != nil && len(v.issuers) > 0 }

// MaxTokenSize is the configured bound on a token's length.
func (v *Verifier) MaxTokenSize() int { return v.cfg.MaxTokenSize }

// Authenticate verifies token and returns its principal as an access key
// (the api package's Tokens seam).
func (v *Verifier) Authenticate(ctx context.Context, token string) (model.AccessKey, error) {
	p, err := v.Verify(ctx, token)
	if err != nil {
		return model.AccessKey{}, err
	}
	return p.AccessKey(), nil
}

// Verify checks token's size, header, issuer, signature, audience, expiry
// and not-before, and maps its claims to a Principal.
func (v *Verifier) Verify(ctx context.Context, token string) (Principal, error) {
	h, err := CheckHeader(token, v.cfg.MaxTokenSize, Algorithms)
	if err != nil {
		return Principal{}, err
	}
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA})
	if err != nil {
		return Principal{}, refuse(ErrMalformed, "%v", err)
	}
	var unverified jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return Principal{}, refuse(ErrMalformed, "claims: %v", err)
	}
	is, ok := v.issuers[unverified.Issuer]
	if !ok {
		return Principal{}, refuse(ErrUnknownIssuer, "issuer %q is not configured", unverified.Issuer)
	}
	if !slices.Contains(is.algs, jose.SignatureAlgorithm(h.Alg)) {
		return Principal{}, refuse(ErrAlgorithm, "issuer %q does not use %s", is.cfg.Issuer, h.Alg)
	}
	keys, err := is.keys.lookup(ctx, h.Kid, h.Alg)
	if err != nil {
		return Principal{}, err
	}
	var (
		std jwt.Claims
		raw map[string]any
	)
	verified := false
	for _, k := range keys {
		if err := tok.Claims(k.Key, &std, &raw); err == nil {
			verified = true
			break
		}
	}
	if !verified {
		return Principal{}, refuse(ErrSignature, "signature does not verify with the key set of %q", is.cfg.Issuer)
	}
	return v.validate(is, std, raw)
}

func (v *Verifier) validate(is *issuer, std jwt.Claims, raw map[string]any) (Principal, error) {
	now := v.cfg.Now()
	if std.Expiry == nil {
		return Principal{}, refuse(ErrClaims, "token has no exp")
	}
	err := std.ValidateWithLeeway(jwt.Expected{Issuer: is.cfg.Issuer, AnyAudience: is.cfg.Audiences, Time: now}, v.cfg.ClockSkew)
	switch {
	case errors.Is(err, jwt.ErrExpired):
		return Principal{}, refuse(ErrExpired, "expired at %s", std.Expiry.Time().UTC().Format(time.RFC3339))
	case errors.Is(err, jwt.ErrNotValidYet):
		return Principal{}, refuse(ErrNotYetValid, "not before %s", std.NotBefore.Time().UTC().Format(time.RFC3339))
	case errors.Is(err, jwt.ErrIssuedInTheFuture):
		return Principal{}, refuse(ErrNotYetValid, "issued in the future")
	case errors.Is(err, jwt.ErrInvalidAudience):
		return Principal{}, refuse(ErrAudience, "aud %v; want one of %v", []string(std.Audience), is.cfg.Audiences)
	case err != nil:
		return Principal{}, refuse(ErrClaims, "%v", err)
	}
	user, ok := raw[is.cfg.UserClaim].(string)
	if !ok || user == "" {
		return Principal{}, refuse(ErrClaims, "user claim %q is missing or not a string", is.cfg.UserClaim)
	}
	if len(user) > 256 {
		return Principal{}, refuse(ErrClaims, "user claim %q longer than 256 bytes", is.cfg.UserClaim)
	}
	email, _ := raw[is.cfg.EmailClaim].(string)
	p := Principal{
		User:    model.User{Name: user, Email: email},
		Grants:  Grants{},
		Issuer:  std.Issuer,
		Subject: std.Subject,
		Expiry:  std.Expiry.Time(),
	}
	for _, a := range is.cfg.Audiences {
		if std.Audience.Contains(a) {
			p.Audience = a
			break
		}
	}
	merge(p.Grants, is.deflt)
	if is.cfg.GrantsClaim != "" {
		for _, g := range claimStrings(raw[is.cfg.GrantsClaim]) {
			merge(p.Grants, is.grants[g])
		}
	}
	p.Root = p.Grants[model.ScopeCluster] == model.PermAdmin
	return p, nil
}

// claimStrings reads a claim that is a string or an array of strings
// (other elements are ignored).
func claimStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
