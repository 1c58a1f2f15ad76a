package jwtauth_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/datamon-io/datamon/jwtauth"
)

func Example() {
	// An issuer's key pair and its JWKS file (an OIDC provider publishes these).
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	dir, _ := os.MkdirTemp("", "jwks")
	defer os.RemoveAll(dir)
	set, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: pub, KeyID: "k1", Algorithm: "EdDSA", Use: "sig"}}})
	jwks := filepath.Join(dir, "jwks.json")
	_ = os.WriteFile(jwks, set, 0o600)

	cfg := jwtauth.DefaultConfig()
	cfg.Issuers = []jwtauth.IssuerConfig{{
		Issuer:      "https://idp.example.com",
		Audiences:   []string{"datamon"},
		JWKSFile:    jwks,
		GrantsClaim: "groups",
		Groups:      map[string][]string{"ml-team": {"ml/*=write"}},
	}}
	v, err := jwtauth.New(context.Background(), cfg)
	if err != nil {
		fmt.Println(err)
		return
	}

	// A token the issuer signed.
	signer, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: priv}, (&jose.SignerOptions{}).WithHeader("kid", "k1"))
	tok, _ := jwt.Signed(signer).Claims(map[string]any{
		"iss": "https://idp.example.com", "aud": "datamon", "sub": "alice", "email": "alice@example.com",
		"exp": time.Now().Add(time.Hour).Unix(), "groups": []string{"ml-team"},
	}).Serialize()

	p, err := v.Verify(context.Background(), tok)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.User.Name, p.User.Email, p.Grants["ml/*"])
	// Output: alice alice@example.com write
}
