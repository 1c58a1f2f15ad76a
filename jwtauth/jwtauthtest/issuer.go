package jwtauthtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"os"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Key is one signing key of an Issuer.
type Key struct {
	ID   string
	Alg  jose.SignatureAlgorithm
	Priv crypto.Signer
}

// Issuer signs tokens as iss.
type Issuer struct {
	Iss  string
	Keys []Key
}

// NewIssuer generates one key per algorithm (RS256, ES256 and EdDSA when none given).
func NewIssuer(iss string, algs ...jose.SignatureAlgorithm) (*Issuer, error) {
	if len(algs) == 0 {
		algs = []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA}
	}
	is := &Issuer{Iss: iss}
	for i, a := range algs {
		k, err := GenerateKey(a, fmt.Sprintf("k%d-%s", i+1, a))
		if err != nil {
			return nil, err
		}
		is.Keys = append(is.Keys, k)
	}
	return is, nil
}

// GenerateKey makes a key for alg named kid.
func GenerateKey(alg jose.SignatureAlgorithm, kid string) (Key, error) {
	var (
		k   crypto.Signer
		err error
	)
	switch alg {
	case jose.RS256:
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	case jose.ES256:
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case jose.EdDSA:
		_, k, err = ed25519.GenerateKey(rand.Reader)
	default:
		return Key{}, fmt.Errorf("jwtauthtest: unsupported algorithm %s", alg)
	}
	if err != nil {
		return Key{}, err
	}
	return Key{ID: kid, Alg: alg, Priv: k}, nil
}

// JWKS is the public key set as JSON.
func (is *Issuer) JWKS() []byte {
	set := jose.JSONWebKeySet{}
	for _, k := range is.Keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.Priv.Public(), KeyID: k.ID, Algorithm: string(k.Alg), Use: "sig"})
	}
	b, _ := json.Marshal(set)
	return b
}

// WriteJWKS writes the public key set to path.
func (is *Issuer) WriteJWKS(path string) error {
	return os.WriteFile(path, is.JWKS(), 0o644)
}

// Claims are the usual claims of a token for aud and sub, valid for ttl,
// with groups (none: no "groups" claim).
func (is *Issuer) Claims(aud, sub string, ttl time.Duration, groups ...string) map[string]any {
	now := time.Now()
	c := map[string]any{"iss": is.Iss, "aud": aud, "sub": sub, "email": sub + "@example.com",
		"iat": now.Unix(), "exp": now.Add(ttl).Unix()}
	if len(groups) > 0 {
		c["groups"] = groups
	}
	return c
}

// Sign signs claims with key i.
func (is *Issuer) Sign(i int, claims any) (string, error) {
	k := is.Keys[i]
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: k.Alg, Key: k.Priv}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", k.ID))
	if err != nil {
		return "", err
	}
	return jwt.Signed(s).Claims(claims).Serialize()
}

// Token signs the usual claims with the first key.
func (is *Issuer) Token(aud, sub string, ttl time.Duration, groups ...string) (string, error) {
	return is.Sign(0, is.Claims(aud, sub, ttl, groups...))
}
