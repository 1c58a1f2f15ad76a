package jwtauth

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// jwksServer serves a key set on 127.0.0.1 that the test can replace.
type jwksServer struct {
	*httptest.Server
	mu    sync.Mutex
	body  []byte
	hits  atomic.Int64
	fail  atomic.Bool
	clock *testClock
}

func newJWKSServer(t *testing.T, body []byte) *jwksServer {
	t.Helper()
	s := &jwksServer{body: body}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Server = &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		if s.fail.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write(s.body)
	})}}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) set(b []byte) { s.mu.Lock(); s.body = b; s.mu.Unlock() }

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func urlConfig(url string, clk *testClock) Config {
	cfg := testConfig("", clk.now)
	cfg.Issuers[0].JWKSFile, cfg.Issuers[0].JWKSURL = "", url
	cfg.MinRefresh = 30 * time.Second
	cfg.RefreshInterval = time.Hour
	return cfg
}

func TestJWKSRollover(t *testing.T) {
	k1, k2 := genKey(t, jose.RS256, "2030-1"), genKey(t, jose.ES256, "2030-2")
	srv := newJWKSServer(t, jwksJSON(t, k1))
	clk := &testClock{t: t0}
	v := newVerifier(t, urlConfig(srv.URL+"/jwks", clk))
	ctx := context.Background()
	if srv.hits.Load() != 0 {
		t.Fatalf("URL key set fetched at New: %d", srv.hits.Load())
	}
	if _, err := v.Verify(ctx, sign(t, k1, stdClaims(clk.now()))); err != nil {
		t.Fatal(err)
	}
	if n := srv.hits.Load(); n != 1 {
		t.Fatalf("hits after first token = %d, want 1", n)
	}
	// Cached: more tokens, no fetch.
	for range 5 {
		if _, err := v.Verify(ctx, sign(t, k1, stdClaims(clk.now()))); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.hits.Load(); n != 1 {
		t.Fatalf("hits = %d, want 1 (cached)", n)
	}
	// The issuer rolls to k2. Within MinRefresh, an unknown kid does not refetch.
	srv.set(jwksJSON(t, k1, k2))
	clk.advance(10 * time.Second)
	_, err := v.Verify(ctx, sign(t, k2, stdClaims(clk.now())))
	refused(t, err, ErrUnknownKey)
	if n := srv.hits.Load(); n != 1 {
		t.Fatalf("hits = %d: refetched inside MinRefresh", n)
	}
	// After MinRefresh, the unknown kid triggers one reload and verifies.
	clk.advance(25 * time.Second)
	if _, err := v.Verify(ctx, sign(t, k2, stdClaims(clk.now()))); err != nil {
		t.Fatalf("after rollover: %v", err)
	}
	if n := srv.hits.Load(); n != 2 {
		t.Fatalf("hits = %d, want 2", n)
	}
	// A flood of bogus kids costs at most one fetch per MinRefresh.
	clk.advance(31 * time.Second)
	for i := range 20 {
		bogus := genKey(t, jose.EdDSA, "bogus")
		_, err := v.Verify(ctx, sign(t, bogus, stdClaims(clk.now())))
		refused(t, err, ErrUnknownKey)
		clk.advance(time.Duration(i) * time.Millisecond)
	}
	if n := srv.hits.Load(); n != 3 {
		t.Fatalf("hits = %d after a bogus-kid flood, want 3", n)
	}
	// The issuer retires k1: after the refresh interval the cache drops it.
	srv.set(jwksJSON(t, k2))
	clk.advance(2 * time.Hour)
	_, err = v.Verify(ctx, sign(t, k1, stdClaims(clk.now())))
	refused(t, err, ErrUnknownKey)
	// An unreachable issuer keeps the cached keys.
	srv.fail.Store(true)
	clk.advance(2 * time.Hour)
	if _, err := v.Verify(ctx, sign(t, k2, stdClaims(clk.now()))); err != nil {
		t.Fatalf("cached key after a failed reload: %v", err)
	}
}

func TestJWKSFileRolloverAndBadSets(t *testing.T) {
	k1, k2 := genKey(t, jose.EdDSA, "a"), genKey(t, jose.EdDSA, "b")
	path := writeJWKS(t, k1)
	clk := &testClock{t: t0}
	cfg := testConfig(path, clk.now)
	v := newVerifier(t, cfg)
	if err := os.WriteFile(path, jwksJSON(t, k1, k2), 0o600); err != nil {
		t.Fatal(err)
	}
	clk.advance(DefaultMinRefresh)
	if _, err := v.Verify(context.Background(), sign(t, k2, stdClaims(clk.now()))); err != nil {
		t.Fatalf("file rollover: %v", err)
	}
	// A missing or broken file is a config error at New.
	for name, body := range map[string]string{"missing": "", "not json": "{", "too large": string(make([]byte, maxJWKSSize+1))} {
		p := t.TempDir() + "/jwks.json"
		if name != "missing" {
			os.WriteFile(p, []byte(body), 0o600)
		}
		if _, err := New(context.Background(), testConfig(p, clk.now)); err == nil {
			t.Errorf("%s key set accepted", name)
		}
	}
	// Symmetric and encryption keys in a set are never used.
	oct := `{"keys":[{"kty":"oct","kid":"a","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"},` +
		`{"kty":"EC","use":"enc","kid":"z","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`
	keys, err := parseKeySet([]byte(oct), cfg.withDefaults().Logger)
	if err != nil || len(keys) != 0 {
		t.Fatalf("parseKeySet kept %d keys (%v), want none", len(keys), err)
	}
}
