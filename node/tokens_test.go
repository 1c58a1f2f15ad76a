package node

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/datamon-io/datamon/jwtauth/jwtauthtest"
)

const tokensYAML = `
jwt:
  clock_skew: 30s
  issuers:
    - issuer: https://idp.example.com
      audiences: [datamon]
      jwks_file: JWKS
      grants_claim: groups
      groups:
        ml-team: ["ml/*=write"]
sts:
  max_duration: 15m
  roles:
    - arn: arn:aws:iam::datamon:role/ml
      grants: ["ml/*=write"]
`

func TestTokensConfig(t *testing.T) {
	is, err := jwtauthtest.NewIssuer("https://idp.example.com")
	if err != nil {
		t.Fatal(err)
	}
	jwks := filepath.Join(t.TempDir(), "jwks.json")
	if err := is.WriteJWKS(jwks); err != nil {
		t.Fatal(err)
	}
	load := func(doc string) Config {
		cfg := DefaultConfig()
		if err := yaml.Unmarshal([]byte(strings.ReplaceAll(doc, "JWKS", jwks)), &cfg); err != nil {
			t.Fatal(err)
		}
		cfg.Secret = []byte("0123456789abcdef0123")
		return cfg
	}
	cfg := load(tokensYAML)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.JWT.ClockSkew != 30*time.Second || cfg.STS.MaxDuration != 15*time.Minute || len(cfg.STS.Roles) != 1 ||
		cfg.JWT.Issuers[0].Groups["ml-team"][0] != "ml/*=write" {
		t.Fatalf("parsed %+v %+v", cfg.JWT, cfg.STS)
	}
	n := &Node{cfg: cfg, log: slog.New(slog.DiscardHandler), clock: time.Now}
	if err := n.startTokens(context.Background()); err != nil || n.jwt == nil || n.sts == nil {
		t.Fatalf("startTokens: %v", err)
	}
	tok, _ := is.Token("datamon", "alice", time.Hour, "ml-team")
	if k, err := n.jwt.Authenticate(context.Background(), tok); err != nil || k.User != "alice" {
		t.Fatalf("node verifier: %+v %v", k, err)
	}

	for name, doc := range map[string]string{
		"roles without issuer": "sts:\n  roles:\n    - arn: arn:aws:iam::datamon:role/ml\n      grants: [\"ml/*=read\"]\n",
		"bad grant":            strings.Replace(tokensYAML, `"ml/*=write"]`+"\nsts", `"ml=write"]`+"\nsts", 1),
		"no audience":          strings.Replace(tokensYAML, "audiences: [datamon]", "audiences: []", 1),
		"HS256":                strings.Replace(tokensYAML, "grants_claim: groups", "grants_claim: groups\n      algorithms: [HS256]", 1),
	} {
		c := load(doc)
		if err := c.Validate(); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A missing JWKS file fails the start.
	cfg = load(tokensYAML)
	os.Remove(jwks)
	n = &Node{cfg: cfg, log: slog.New(slog.DiscardHandler), clock: time.Now}
	if err := n.startTokens(context.Background()); err == nil {
		t.Fatal("missing JWKS file accepted")
	}
}
