package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp/fasthttputil"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/jwtauth"
	"github.com/datamon-io/datamon/jwtauth/jwtauthtest"
	"github.com/datamon-io/datamon/model"
)

// newTokenEnv is a testEnv whose server also accepts JWTs of a test issuer;
// its client.yaml holds no keys.
func newTokenEnv(t *testing.T) (*testEnv, *repoMeta, *jwtauthtest.Issuer) {
	t.Helper()
	is, err := jwtauthtest.NewIssuer("https://idp.cli.test", "ES256")
	if err != nil {
		t.Fatal(err)
	}
	jwks := filepath.Join(t.TempDir(), "jwks.json")
	if err := is.WriteJWKS(jwks); err != nil {
		t.Fatal(err)
	}
	jc := jwtauth.DefaultConfig()
	jc.Issuers = []jwtauth.IssuerConfig{{Issuer: is.Iss, Audiences: []string{"datamon"}, JWKSFile: jwks,
		GrantsClaim: "groups", Groups: map[string][]string{"admins": {"default/*=admin"}}}}
	v, err := jwtauth.New(context.Background(), jc)
	if err != nil {
		t.Fatal(err)
	}
	acfg := api.DefaultConfig()
	acfg.Tokens = v
	meta := &repoMeta{ctxs: map[string]model.Context{"default": {Name: "default"}}, repos: map[string]model.Repo{}, key: testKey}
	srv := api.New(acfg, meta, &mapChunks{m: map[chunk.ID][]byte{}}, oneNode{})
	ln := fasthttputil.NewInmemoryListener()
	hs := srv.HTTPServer()
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Shutdown(); _ = ln.Close() })
	path := writeFile(t, "client.yaml", "server: http://node1:7001\n")
	return &testEnv{ln: ln, cfgPath: path, env: map[string]string{}}, meta, is
}

func TestCLIBearerToken(t *testing.T) {
	e, meta, is := newTokenEnv(t)
	tok, err := is.Token("datamon", "carol", time.Hour, "admins")
	if err != nil {
		t.Fatal(err)
	}
	expired, _ := is.Token("datamon", "carol", -time.Hour, "admins")

	// No credentials at all: a config error, nothing sent.
	if _, errOut, code := e.run(t, "", "repo", "create", "--repo", "r0", "--description", "d"); code == 0 || !strings.Contains(errOut, "bearer token") {
		t.Fatalf("no credentials: code %d: %s", code, errOut)
	}
	// --token wins over a bad DATAMON_TOKEN.
	e.env["DATAMON_TOKEN"] = expired
	e.mustRun(t, "--token", tok, "repo", "create", "--repo", "r1", "--description", "d")
	// DATAMON_TOKEN alone: the expired token is refused (401) and nothing changes.
	_, errOut, code := e.run(t, "", "repo", "create", "--repo", "r2", "--description", "d")
	if code == 0 || !strings.Contains(errOut, "expired") {
		t.Fatalf("expired DATAMON_TOKEN: code %d: %s", code, errOut)
	}
	// DATAMON_TOKEN_FILE / --token-file and the file's token_file.
	tf := writeFile(t, "token", tok+"\n")
	delete(e.env, "DATAMON_TOKEN")
	e.env["DATAMON_TOKEN_FILE"] = tf
	e.mustRun(t, "repo", "create", "--repo", "r3", "--description", "d")
	delete(e.env, "DATAMON_TOKEN_FILE")
	e.cfgPath = writeFile(t, "client2.yaml", "server: http://node1:7001\ntoken_file: "+tf+"\n")
	e.mustRun(t, "repo", "create", "--repo", "r4", "--description", "d")
	e.cfgPath = writeFile(t, "client3.yaml", "server: http://node1:7001\ntoken: "+tok+"\n")
	e.mustRun(t, "repo", "create", "--repo", "r5", "--description", "d")

	meta.mu.Lock()
	defer meta.mu.Unlock()
	if _, ok := meta.repos["default/r2"]; ok {
		t.Fatal("expired token created r2")
	}
	for _, r := range []string{"r1", "r3", "r4", "r5"} {
		got, ok := meta.repos["default/"+r]
		if !ok || got.Contributor.Name != "carol" || got.Contributor.Email != "carol@example.com" {
			t.Errorf("repo %s: %v %+v, want contributor carol", r, ok, got.Contributor)
		}
	}
}

func (e *testEnv) mustRun(t *testing.T, args ...string) {
	t.Helper()
	if _, errOut, code := e.run(t, "", args...); code != 0 {
		t.Fatalf("datamon %v: exit %d: %s", args, code, errOut)
	}
}
