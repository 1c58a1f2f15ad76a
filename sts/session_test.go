package sts

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/datamon-io/datamon/jwtauth"
	"github.com/datamon-io/datamon/model"
)

func TestSessionTokens(t *testing.T) {
	k, err := deriveKeys([]byte("cluster-secret-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	g := jwtauth.Grants{"ml/*": model.PermWrite, "*": model.PermRead}
	c, err := k.mint(model.User{Name: "alice", Email: "a@x"}, g, testRole, "s1", "https://idp", now, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.AccessKeyID, "ASIA") || len(c.AccessKeyID) != 20 || len(c.SecretAccessKey) != 40 {
		t.Fatalf("credentials shape %q %q", c.AccessKeyID, c.SecretAccessKey)
	}
	got, err := k.verify(c.AccessKeyID, c.SessionToken, now.Add(59*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != "alice" || got.Email != "a@x" || got.grants()["ml/*"] != model.PermWrite || got.grants()["*"] != model.PermRead {
		t.Fatalf("claims %+v", got)
	}
	// The secret is a function of the access key id and the cluster secret only.
	k2, _ := deriveKeys([]byte("cluster-secret-0123456789"))
	if k2.secretFor(c.AccessKeyID) != c.SecretAccessKey {
		t.Fatal("another node derives another secret")
	}
	other, _ := deriveKeys([]byte("another-cluster-secret-xx"))
	if other.secretFor(c.AccessKeyID) == c.SecretAccessKey {
		t.Fatal("secret does not depend on the cluster secret")
	}

	if _, err := k.verify(c.AccessKeyID, c.SessionToken, now.Add(time.Hour+time.Second)); !errors.Is(err, ErrSessionExpired) {
		t.Fatalf("expired: %v", err)
	}
	parts := strings.Split(c.SessionToken, ".")
	claims, _ := base64.RawURLEncoding.DecodeString(parts[1])
	forgedClaims := strings.Replace(string(claims), `"ml/*":"write"`, `"ml/*":"admin"`, 1)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(forgedClaims)) + "." + parts[2]
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"iss": sessionIssuer, "aud": sessionAudience, "sub": "x", "jti": c.AccessKeyID,
		"exp": now.Add(time.Hour).Unix()}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	hs384, _ := jwt.NewWithClaims(jwt.SigningMethodHS384, jwt.MapClaims{"iss": sessionIssuer, "aud": sessionAudience, "sub": "x", "jti": c.AccessKeyID,
		"exp": now.Add(time.Hour).Unix()}).SignedString(k.sign)
	bad := map[string][2]string{
		"other access key":     {"ASIAAAAAAAAAAAAAAAAA", c.SessionToken},
		"other cluster secret": {c.AccessKeyID, mustMint(t, other, now).SessionToken},
		"tampered grants":      {c.AccessKeyID, tampered},
		"alg none":             {c.AccessKeyID, none},
		"HS384":                {c.AccessKeyID, hs384},
		"garbage":              {c.AccessKeyID, "x.y.z"},
		"oversized":            {c.AccessKeyID, strings.Repeat("a", maxSessionToken+1)},
	}
	for name, b := range bad {
		if _, err := k.verify(b[0], b[1], now); !errors.Is(err, ErrSessionInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func mustMint(t *testing.T, k keys, now time.Time) credentials {
	t.Helper()
	c, err := k.mint(model.User{Name: "x"}, jwtauth.Grants{"*": model.PermAdmin}, testRole, "s", "i", now, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConfigValidate(t *testing.T) {
	for name, c := range map[string]Config{
		"bad arn":      {Roles: []Role{{ARN: "arn:aws:iam::d:user/x", Grants: []string{"*=read"}}}},
		"no grants":    {Roles: []Role{{ARN: testRole}}},
		"bad grant":    {Roles: []Role{{ARN: testRole, Grants: []string{"ml=read"}}}},
		"duplicate":    {Roles: []Role{{ARN: testRole, Grants: []string{"*=read"}}, {ARN: testRole, Grants: []string{"*=read"}}}},
		"max duration": {MaxDuration: 13 * time.Hour},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := deriveKeys([]byte("short")); err == nil {
		t.Error("short cluster secret accepted")
	}
}
