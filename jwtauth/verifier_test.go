package jwtauth

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/datamon-io/datamon/model"
)

var t0 = time.Date(2030, 5, 1, 12, 0, 0, 0, time.UTC)

func fixed(t time.Time) func() time.Time { return func() time.Time { return t } }

func TestVerifyAlgorithms(t *testing.T) {
	keys := []testKey{genKey(t, jose.RS256, "r1"), genKey(t, jose.ES256, "e1"), genKey(t, jose.EdDSA, "d1")}
	v := newVerifier(t, testConfig(writeJWKS(t, keys...), fixed(t0)))
	for _, k := range keys {
		t.Run(string(k.alg), func(t *testing.T) {
			p, err := v.Verify(context.Background(), sign(t, k, stdClaims(t0)))
			if err != nil {
				t.Fatal(err)
			}
			if p.User.Name != "alice" || p.User.Email != "alice@example.com" || p.Subject != "alice" || p.Audience != testAud {
				t.Fatalf("principal %+v", p)
			}
			want := Grants{"ml/*": model.PermWrite, "shared/data": model.PermRead}
			if len(p.Grants) != len(want) || p.Grants["ml/*"] != want["ml/*"] || p.Grants["shared/data"] != want["shared/data"] || p.Root {
				t.Fatalf("grants %v root %v, want %v", p.Grants, p.Root, want)
			}
			ak := p.AccessKey()
			if ak.ID != "jwt:alice" || ak.User != "alice" || ak.Contributor.Email != "alice@example.com" || ak.Secret != "" || ak.Grants["ml/*"] != model.PermWrite {
				t.Fatalf("access key %+v", ak)
			}
		})
	}
	// A token without kid is tried against every key of its algorithm.
	nokid := keys[1]
	nokid.kid = ""
	if _, err := v.Verify(context.Background(), sign(t, nokid, stdClaims(t0))); err != nil {
		t.Fatalf("token without kid: %v", err)
	}
}

// refused asserts err wraps model.ErrUnauthenticated and reason.
func refused(t *testing.T, err, reason error) {
	t.Helper()
	if !errors.Is(err, model.ErrUnauthenticated) || !errors.Is(err, reason) {
		t.Fatalf("err = %v; want %v (and ErrUnauthenticated)", err, reason)
	}
}

func TestVerifyRefusals(t *testing.T) {
	rk, ek := genKey(t, jose.RS256, "r1"), genKey(t, jose.ES256, "e1")
	v := newVerifier(t, testConfig(writeJWKS(t, rk, ek), fixed(t0)))
	ctx := context.Background()
	mod := func(f func(*claims)) claims { c := stdClaims(t0); f(&c); return c }
	good := sign(t, rk, stdClaims(t0))

	// The RSA public key as the bytes an attacker would HMAC with.
	der, _ := x509.MarshalPKIXPublicKey(rk.priv.Public())
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	hs := func(secret []byte) string {
		s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: secret}, (&jose.SignerOptions{}).WithHeader("kid", "r1"))
		if err != nil {
			t.Fatal(err)
		}
		tok, _ := jwt.Signed(s).Claims(stdClaims(t0)).Serialize()
		return tok
	}
	// A key of the right kid but another algorithm (RS384 on the RS256 key).
	rs384 := rk
	rs384.alg = jose.RS384
	// ES256 header with an RSA kid: key type does not fit the algorithm.
	crossed := ek
	crossed.kid = "r1"
	parts := strings.Split(good, ".")
	sig := []byte(parts[2])
	sig[5] ^= 1 // still base64url
	if sig[5] == '.' || sig[5] == '=' {
		sig[5] = 'A'
	}
	tamperedSig := parts[0] + "." + parts[1] + "." + string(sig)
	otherClaims := strings.Split(sign(t, rk, mod(func(c *claims) { c.Groups = []string{"ops"} })), ".")
	tamperedBody := parts[0] + "." + otherClaims[1] + "." + parts[2]

	cases := []struct {
		name   string
		token  string
		reason error
	}{
		{"none", rawToken(t, map[string]any{"alg": "none", "typ": "JWT"}, stdClaims(t0), nil) + "x", ErrAlgorithm},
		{"None", rawToken(t, map[string]any{"alg": "None"}, stdClaims(t0), []byte("x")), ErrAlgorithm},
		{"HS256 with the public key PEM", hs(pemKey), ErrAlgorithm},
		{"HS256 with the public key DER", hs(der), ErrAlgorithm},
		{"RS384", sign(t, rs384, stdClaims(t0)), ErrAlgorithm},
		{"ES256 header on an RSA kid", sign(t, crossed, stdClaims(t0)), ErrUnknownKey},
		{"unknown kid", sign(t, genKey(t, jose.RS256, "r9"), stdClaims(t0)), ErrUnknownKey},
		{"right kid, other key", sign(t, testKey{kid: "r1", alg: jose.RS256, priv: genKey(t, jose.RS256, "").priv}, stdClaims(t0)), ErrSignature},
		{"tampered signature", tamperedSig, ErrSignature},
		{"tampered claims", tamperedBody, ErrSignature},
		{"expired", sign(t, rk, mod(func(c *claims) { c.Expiry = jwt.NewNumericDate(t0.Add(-2 * time.Minute)) })), ErrExpired},
		{"no exp", sign(t, rk, mod(func(c *claims) { c.Expiry = nil })), ErrClaims},
		{"nbf in the future", sign(t, rk, mod(func(c *claims) { c.NotBefore = jwt.NewNumericDate(t0.Add(5 * time.Minute)) })), ErrNotYetValid},
		{"iat in the future", sign(t, rk, mod(func(c *claims) { c.IssuedAt = jwt.NewNumericDate(t0.Add(5 * time.Minute)) })), ErrNotYetValid},
		{"wrong aud", sign(t, rk, mod(func(c *claims) { c.Audience = jwt.Audience{"someone-else"} })), ErrAudience},
		{"no aud", sign(t, rk, mod(func(c *claims) { c.Audience = nil })), ErrAudience},
		{"unknown issuer", sign(t, rk, mod(func(c *claims) { c.Issuer = "https://evil.example" })), ErrUnknownIssuer},
		{"no user", sign(t, rk, mod(func(c *claims) { c.Subject = "" })), ErrClaims},
		{"oversized", sign(t, rk, mod(func(c *claims) { c.Groups = []string{strings.Repeat("g", DefaultMaxTokenSize)} })), ErrTooLarge},
		{"JWE shape", "a.b.c.d.e", ErrMalformed},
		{"garbage", "not a token", ErrMalformed},
		{"empty", "", ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := v.Verify(ctx, c.token)
			refused(t, err, c.reason)
			if p.User.Name != "" || p.Grants != nil {
				t.Fatalf("refusal returned a principal %+v", p)
			}
		})
	}
}

func TestVerifyClockSkewAndAudience(t *testing.T) {
	rk := genKey(t, jose.EdDSA, "d1")
	v := newVerifier(t, testConfig(writeJWKS(t, rk), fixed(t0)))
	c := stdClaims(t0)
	c.Expiry = jwt.NewNumericDate(t0.Add(-30 * time.Second)) // within the 60 s skew
	c.NotBefore = jwt.NewNumericDate(t0.Add(-time.Hour))
	c.Audience = jwt.Audience{"x", "other-client"} // an array; the second is configured
	p, err := v.Verify(context.Background(), sign(t, rk, c))
	if err != nil {
		t.Fatal(err)
	}
	if p.Audience != "other-client" {
		t.Fatalf("audience %q", p.Audience)
	}
}

func TestClaimMapping(t *testing.T) {
	rk := genKey(t, jose.ES256, "e1")
	cfg := testConfig(writeJWKS(t, rk), fixed(t0))
	cfg.Issuers[0].UserClaim = "email"
	cfg.Issuers[0].DefaultGrants = []string{"public/*=read"}
	v := newVerifier(t, cfg)
	c := stdClaims(t0)
	c.Groups = []string{"audit", "ops", "unknown-group"}
	p, err := v.Verify(context.Background(), sign(t, rk, c))
	if err != nil {
		t.Fatal(err)
	}
	if p.User.Name != "alice@example.com" || !p.Root || p.Grants["public/*"] != model.PermRead || p.Grants["ml/models"] != model.PermRead || p.Grants[model.ScopeCluster] != model.PermAdmin {
		t.Fatalf("principal %+v", p)
	}
	// groups as a single string claim
	single := map[string]any{"iss": testIss, "aud": testAud, "sub": "bob", "email": "bob@x", "exp": t0.Add(time.Hour).Unix(), "groups": "audit"}
	p, err = v.Verify(context.Background(), sign(t, rk, single))
	if err != nil {
		t.Fatal(err)
	}
	if p.User.Name != "bob@x" || p.Root || p.Grants["ml/models"] != model.PermRead || len(p.Grants) != 2 {
		t.Fatalf("principal %+v", p)
	}
	// A non-string user claim is refused.
	bad := map[string]any{"iss": testIss, "aud": testAud, "sub": "bob", "email": 7, "exp": t0.Add(time.Hour).Unix()}
	_, err = v.Verify(context.Background(), sign(t, rk, bad))
	refused(t, err, ErrClaims)
}

func TestIssuerAlgorithmNarrowing(t *testing.T) {
	ek, rk := genKey(t, jose.ES256, "e1"), genKey(t, jose.RS256, "r1")
	cfg := testConfig(writeJWKS(t, ek, rk), fixed(t0))
	cfg.Issuers[0].Algorithms = []string{"ES256"}
	v := newVerifier(t, cfg)
	if _, err := v.Verify(context.Background(), sign(t, ek, stdClaims(t0))); err != nil {
		t.Fatal(err)
	}
	_, err := v.Verify(context.Background(), sign(t, rk, stdClaims(t0)))
	refused(t, err, ErrAlgorithm)
}
