package api_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/jwtauth"
	"github.com/datamon-io/datamon/jwtauth/jwtauthtest"
	"github.com/datamon-io/datamon/model"
)

const (
	testIss = "https://idp.test"
	testAud = "datamon-api"
)

// bearerNode is a node whose API accepts JWTs of a test issuer (the real
// jwtauth verifier over a JWKS file the test wrote).
func bearerNode(t *testing.T) (*node, memNet, *jwtauthtest.Issuer) {
	t.Helper()
	is, err := jwtauthtest.NewIssuer(testIss)
	if err != nil {
		t.Fatal(err)
	}
	jwks := filepath.Join(t.TempDir(), "jwks.json")
	if err := is.WriteJWKS(jwks); err != nil {
		t.Fatal(err)
	}
	jcfg := jwtauth.DefaultConfig()
	jcfg.Issuers = []jwtauth.IssuerConfig{{Issuer: testIss, Audiences: []string{testAud}, JWKSFile: jwks, GrantsClaim: "groups",
		Groups: map[string][]string{"owners": {"default/*=admin"}, "readers": {"default/r1=read"}}}}
	v, err := jwtauth.New(context.Background(), jcfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg := api.DefaultConfig()
	cfg.MaxChunkBody, cfg.MaxJSONBody = testLimit, 4<<10
	cfg.Unavailable = func(err error) bool { return errors.Is(err, errNoLeader) }
	cfg.Tokens = v
	meta := newMemMeta(allKeys...)
	n := &node{meta: meta, chunks: newMemChunks(), addr: "n1:7000", ln: fasthttputil.NewInmemoryListener()}
	n.srv = api.New(cfg, meta, n.chunks, staticCluster{id: "n1:7000"})
	hs := n.srv.HTTPServer()
	go func() { _ = hs.Serve(n.ln) }()
	t.Cleanup(func() { _ = hs.Shutdown(); _ = n.ln.Close() })
	return n, memNet{"n1:7000": n.ln}, is
}

func tokenClient(t *testing.T, mn memNet, cfgf func(*client.Config)) *client.Client {
	t.Helper()
	cfg := client.DefaultConfig()
	cfg.Endpoints = []string{"http://n1:7000"}
	cfg.Dial = func(addr string) (net.Conn, error) { return mn.dial(addr) }
	cfg.Timeout, cfg.Retries = 5*time.Second, 0
	cfgf(&cfg)
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestBearerTokenAuthenticates(t *testing.T) {
	n, mn, is := bearerNode(t)
	ctx := context.Background()
	tok, err := is.Token(testAud, "alice", time.Hour, "owners")
	if err != nil {
		t.Fatal(err)
	}
	c := tokenClient(t, mn, func(c *client.Config) { c.Token = tok })
	r, err := c.CreateRepo(ctx, model.Repo{Context: "default", Name: "jwtrepo", Description: "by token"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Contributor.Name != "alice" || r.Contributor.Email != "alice@example.com" {
		t.Fatalf("contributor %+v, want the token's user", r.Contributor)
	}
	// A token file is re-read: replace the token with a read-only one.
	path := filepath.Join(t.TempDir(), "token")
	os.WriteFile(path, []byte(tok+"\n"), 0o600)
	fc := tokenClient(t, mn, func(c *client.Config) { c.TokenFile = path })
	if _, err := fc.GetRepo(ctx, "default", "jwtrepo"); err != nil {
		t.Fatal(err)
	}
	ro, _ := is.Token(testAud, "bob", time.Hour, "readers")
	os.WriteFile(path, []byte(ro), 0o600)
	before := n.meta.writeCount()
	_, err = fc.CreateRepo(ctx, model.Repo{Context: "default", Name: "bobs", Description: "d"})
	var ae *client.APIError
	if !errors.As(err, &ae) || ae.Status != 403 {
		t.Fatalf("read-only token created a repo: %v", err)
	}
	if n.meta.writeCount() != before {
		t.Fatal("refused write changed state")
	}
}

func TestBearerTokenRefusals(t *testing.T) {
	n, _, is := bearerNode(t)
	other, _ := jwtauthtest.NewIssuer("https://evil.test", "EdDSA")
	mk := func(f func(map[string]any)) string {
		c := is.Claims(testAud, "mallory", time.Hour, "owners")
		f(c)
		tok, err := is.Sign(1, c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := mk(func(map[string]any) {})
	forged, _ := other.Sign(0, other.Claims(testAud, "mallory", time.Hour, "owners"))
	p := strings.Split(good, ".")
	evil := strings.Split(mk(func(c map[string]any) { c["groups"] = []string{"owners", "root"} }), ".")
	cases := map[string]string{
		"expired":         mk(func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }),
		"wrong audience":  mk(func(c map[string]any) { c["aud"] = []string{"someone-else"} }),
		"unknown issuer":  forged,
		"tampered claims": p[0] + "." + evil[1] + "." + p[2],
		"oversized":       mk(func(c map[string]any) { c["pad"] = strings.Repeat("x", jwtauth.DefaultMaxTokenSize) }),
		"alg none":        "eyJhbGciOiJub25lIn0." + p[1] + ".",
		"not a JWT":       "hello",
	}
	body := []byte(`{"name":"evil","description":"d"}`)
	for name, tok := range cases {
		req := &fasthttp.Request{}
		req.SetRequestURI("http://n1:7000/v1/contexts/default/repos")
		req.Header.SetMethod("POST")
		req.Header.Set("Authorization", "Bearer "+tok)
		req.SetBody(body)
		resp := raw(n, req)
		if resp.StatusCode() != 401 || errCode(t, resp) != api.CodeUnauthenticated {
			t.Errorf("%s: status %d body %s", name, resp.StatusCode(), resp.Body())
		}
	}
	if w := n.meta.writeCount(); w != 0 {
		t.Fatalf("refused bearer requests made %d writes", w)
	}
}

func TestBearerWithoutIssuers(t *testing.T) {
	n, _, _ := single(t) // no Tokens configured
	req := &fasthttp.Request{}
	req.SetRequestURI("http://n1:7000/v1/contexts/default/repos")
	req.Header.SetMethod("POST")
	req.Header.Set("Authorization", "Bearer x.y.z")
	req.SetBody([]byte(`{"name":"x"}`))
	resp := raw(n, req)
	if resp.StatusCode() != 401 || !strings.Contains(string(resp.Body()), "no JWT issuer") {
		t.Fatalf("status %d body %s", resp.StatusCode(), resp.Body())
	}
}
