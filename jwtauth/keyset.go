package jwtauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// minRSABits is the smallest RSA modulus accepted.
const minRSABits = 2048

// keySet is an issuer's JWKS, read from a file or a URL and cached. Reloads
// happen on use, never in the background: when the cache is older than
// refresh, or when a token names a kid the cache lacks (key rollover), at
// most once per minRefresh either way.
type keySet struct {
	file, url  string
	client     *http.Client
	refresh    time.Duration
	minRefresh time.Duration
	now        func() time.Time
	log        *slog.Logger

	mu     sync.Mutex
	keys   []jose.JSONWebKey
	loaded time.Time // last successful load
	tried  time.Time // last attempt
}

// keys returns the keys that may have signed a token with kid and alg.
func (s *keySet) lookup(ctx context.Context, kid, alg string) ([]jose.JSONWebKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	canTry := s.tried.IsZero() || now.Sub(s.tried) >= s.minRefresh
	if canTry && (s.keys == nil || now.Sub(s.loaded) >= s.refresh) {
		s.reload(ctx, now)
		canTry = false
	}
	found := s.match(kid, alg)
	if len(found) == 0 && canTry {
		s.reload(ctx, now) // the issuer may have rolled its keys
		found = s.match(kid, alg)
	}
	if len(found) == 0 {
		return nil, refuse(ErrUnknownKey, "no %s key with kid %q in %s", alg, kid, s.source())
	}
	return found, nil
}

func (s *keySet) source() string {
	if s.file != "" {
		return s.file
	}
	return s.url
}

func (s *keySet) match(kid, alg string) []jose.JSONWebKey {
	var out []jose.JSONWebKey
	for _, k := range s.keys {
		if (kid == "" || k.KeyID == kid) && keyFits(k, alg) {
			out = append(out, k)
		}
	}
	return out
}

// keyFits: the key's type matches alg (no RSA key for ES256, no key for an
// HMAC algorithm), and its own "alg", when set, is alg.
func keyFits(k jose.JSONWebKey, alg string) bool {
	if k.Algorithm != "" && k.Algorithm != alg {
		return false
	}
	switch pk := k.Key.(type) {
	case *rsa.PublicKey:
		return alg == "RS256" && pk.N.BitLen() >= minRSABits
	case *ecdsa.PublicKey:
		return alg == "ES256" && pk.Curve == elliptic.P256()
	case ed25519.PublicKey:
		return alg == "EdDSA"
	}
	return false
}

// reload replaces the cache with a fresh read; on failure the old keys stay.
func (s *keySet) reload(ctx context.Context, now time.Time) {
	s.tried = now
	keys, err := s.read(ctx)
	if err != nil {
		s.log.Warn("jwtauth: cannot load key set; keeping the cached keys", "source", s.source(), "err", err, "cached", len(s.keys))
		return
	}
	s.keys, s.loaded = keys, now
}

func (s *keySet) read(ctx context.Context) ([]jose.JSONWebKey, error) {
	var b []byte
	var err error
	if s.file != "" {
		b, err = readFileLimited(s.file)
	} else {
		b, err = s.fetch(ctx)
	}
	if err != nil {
		return nil, err
	}
	return parseKeySet(b, s.log)
}

func readFileLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("jwks file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxJWKSSize+1))
	if err != nil {
		return nil, fmt.Errorf("jwks file %s: %w", path, err)
	}
	if len(b) > maxJWKSSize {
		return nil, fmt.Errorf("jwks file %s: larger than %d bytes", path, maxJWKSSize)
	}
	return b, nil
}

func (s *keySet) fetch(ctx context.Context) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, fmt.Errorf("jwks url: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("jwks url: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("jwks url %s: HTTP %d", s.url, resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSSize+1))
	if err != nil {
		return nil, fmt.Errorf("jwks url %s: %w", s.url, err)
	}
	if len(b) > maxJWKSSize {
		return nil, fmt.Errorf("jwks url %s: larger than %d bytes", s.url, maxJWKSSize)
	}
	return b, nil
}

// parseKeySet keeps the usable public signing keys of a JWKS document.
// Symmetric keys, encryption keys and keys go-jose cannot read are skipped
// (logged); private keys are reduced to their public half.
func parseKeySet(b []byte, log *slog.Logger) ([]jose.JSONWebKey, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	out := []jose.JSONWebKey{}
	for i, raw := range doc.Keys {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err != nil {
			log.Warn("jwtauth: skipping unreadable key", "index", i, "err", err)
			continue
		}
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		if !k.IsPublic() {
			k = k.Public()
		}
		if !k.Valid() {
			log.Warn("jwtauth: skipping key that is not an asymmetric public key", "index", i, "kid", k.KeyID)
			continue
		}
		out = append(out, k)
	}
	return out, nil
}
