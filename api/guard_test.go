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

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/audit"
	"github.com/datamon-io/datamon/authlimit"
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"
)

// guarded is one API node with a real audit log and limiter.
type guarded struct {
	*node
	log   *audit.Log
	dir   string
	limit *authlimit.Limiter
}

func guardedNode(t *testing.T, mn memNet, lc authlimit.Config) *guarded {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "audit")
	l, err := audit.Open(audit.Config{Dir: dir, Node: "n1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	lim, err := authlimit.New(lc)
	if err != nil {
		t.Fatal(err)
	}
	cfg := api.DefaultConfig()
	cfg.MaxChunkBody, cfg.MaxJSONBody = testLimit, 4<<10
	cfg.Audit, cfg.AuthLimit = l, lim
	n := &node{meta: newMemMeta(allKeys...), chunks: newMemChunks()}
	n.srv = api.New(cfg, n.meta, n.chunks, staticCluster{id: "n1:7000"})
	if mn != nil {
		startServing(t, mn, "n1:7000", n)
	}
	return &guarded{node: n, log: l, dir: dir, limit: lim}
}

func startServing(t *testing.T, mn memNet, addr string, n *node) {
	n.addr = addr
	ln := fasthttputil.NewInmemoryListener()
	n.ln = ln
	hs := n.srv.HTTPServer()
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Shutdown(); _ = ln.Close() })
	mn[addr] = ln
}

// rawFrom runs req in-process as if sent from ip.
func rawFrom(n *node, req *fasthttp.Request, ip string) *fasthttp.Response {
	var rc fasthttp.RequestCtx
	rc.Init(req, &net.TCPAddr{IP: net.ParseIP(ip), Port: 40000}, nil)
	n.srv.Handler()(&rc)
	var resp fasthttp.Response
	rc.Response.CopyTo(&resp)
	return &resp
}

// waitAudit polls the log until q matches want records (Submit is async).
func waitAudit(t *testing.T, l *audit.Log, q audit.Query, want int) []audit.Record {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		res, err := l.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Records) >= want || time.Now().After(deadline) {
			if len(res.Records) != want {
				t.Fatalf("audit %+v: %d records, want %d: %+v", q, len(res.Records), want, res.Records)
			}
			return res.Records
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// grepDir fails if any audit file holds one of the secrets.
func grepDir(t *testing.T, dir string, secrets ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if s != "" && strings.Contains(string(b), s) {
				t.Errorf("audit file %s holds secret %q", e.Name(), s)
			}
		}
	}
}

// Bad signature, unknown key, malformed or missing Authorization, and a
// key without the grant: each a clear JSON 401/403, audited as refused with
// the claimed key, nothing changed, no secret in the log.
func TestRefusalsAuditedNothingChanged(t *testing.T) {
	g := guardedNode(t, nil, authlimit.Config{})
	body := []byte(`{"name":"r9","description":"d"}`)
	path := "/v1/contexts/default/repos"
	now := time.Now()
	wrong := signedReq(model.AccessKey{ID: rootKey.ID, Secret: "guess-secret"}, "POST", path, body, body, now)
	sig := string(wrong.Header.Peek("Authorization"))
	unknown := signedReq(model.AccessKey{ID: "AKWHO", Secret: "who-secret"}, "POST", path, body, body, now)
	malformed := signedReq(rootKey, "POST", path, body, body, now)
	malformed.Header.Set("Authorization", "DATAMON-HMAC-SHA256 Credential=AKROOT,Signature")
	missing := signedReq(rootKey, "POST", path, body, body, now)
	missing.Header.Del("Authorization")
	noGrant := signedReq(readKey, "POST", path, body, body, now)
	cases := []struct {
		name    string
		req     *fasthttp.Request
		status  int
		code    string
		claimed string
	}{
		{"wrong signature", wrong, 401, api.CodeUnauthenticated, rootKey.ID},
		{"unknown key", unknown, 401, api.CodeUnauthenticated, "AKWHO"},
		{"malformed header", malformed, 401, api.CodeUnauthenticated, ""},
		{"no header", missing, 401, api.CodeUnauthenticated, ""},
		{"no grant", noGrant, 403, api.CodePermission, readKey.ID},
	}
	for _, c := range cases {
		resp := rawFrom(g.node, c.req, "10.1.1.1")
		if resp.StatusCode() != c.status || errCode(t, resp) != c.code || !strings.HasPrefix(string(resp.Header.ContentType()), "application/json") {
			t.Errorf("%s: %d %s", c.name, resp.StatusCode(), resp.Body())
		}
	}
	if w := g.meta.writeCount(); w != 0 {
		t.Fatalf("%d writes after refused requests", w)
	}
	recs := waitAudit(t, g.log, audit.Query{Refused: true}, len(cases))
	for i, c := range cases {
		r := recs[i]
		if r.Status != c.status || r.Code != c.code || r.KeyID != c.claimed || r.Source != "10.1.1.1" ||
			r.Action != "POST /v1/contexts/{ctx}/repos" || r.Target.Context != "default" || r.Target.Repo != "r9" || r.Surface != audit.SurfaceAPI {
			t.Errorf("%s: audited as %+v", c.name, r)
		}
		if (c.status == 403) != r.Authenticated {
			t.Errorf("%s: authenticated=%v", c.name, r.Authenticated)
		}
	}
	_ = g.log.Close()
	grepDir(t, g.dir, rootKey.Secret, "guess-secret", "who-secret", readKey.Secret, sig[strings.LastIndex(sig, "=")+1:])
}

// A write is on the audit disk before its answer is sent: no polling.
// Reads are not audited.
func TestWriteAuditedBeforeAnswer(t *testing.T) {
	mn := memNet{}
	g := guardedNode(t, mn, authlimit.Config{})
	c := newClient(t, mn, writeKey, "http://n1:7000")
	rc := newClient(t, mn, rootKey, "http://n1:7000")
	ctx := context.Background()
	if _, err := rc.CreateRepo(ctx, model.Repo{Context: model.DefaultContext, Name: "r5", Description: "d"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListRepos(ctx, model.DefaultContext); err != nil {
		t.Fatal(err)
	}
	res, err := g.log.Query(ctx, audit.Query{})
	if err != nil || len(res.Records) != 1 {
		t.Fatalf("right after the answer: %+v %v; want the one write", res.Records, err)
	}
	r := res.Records[0]
	if r.KeyID != rootKey.ID || r.User != "Root" || !r.Authenticated || r.Status != 201 || r.Method != "POST" ||
		r.Target.Repo != "r5" || r.Target.Context != "default" || r.Node != "n1" {
		t.Fatalf("write audited as %+v", r)
	}
	// GET /v1/audit: root only, filters, and bad parameters refused.
	all, err := rc.AuditList(ctx, audit.Query{User: "Root", Repo: "default/r5"})
	if err != nil || len(all.Records) != 1 || all.Records[0].Target.Repo != "r5" {
		t.Fatalf("audit list: %+v %v", all, err)
	}
	if _, err := c.AuditNode(ctx, "", audit.Query{}); !errors.Is(err, model.ErrPermission) {
		t.Fatalf("audit query by a non-root key: %v", err)
	}
	bad := signedReq(rootKey, "GET", "/v1/audit?limit=nope", nil, nil, time.Now())
	if resp := raw(g.node, bad); resp.StatusCode() != 400 || errCode(t, resp) != api.CodeInvalid {
		t.Fatalf("bad audit query: %d %s", resp.StatusCode(), resp.Body())
	}
}

// After repeated bad signatures from one address the key is throttled
// there (429 Throttled, Retry-After, nothing applied even with the right
// secret) while the real key keeps working from another address.
func TestThrottleAfterFailures(t *testing.T) {
	g := guardedNode(t, nil, authlimit.Config{PerKeySource: 3, PerSource: 50, BaseDelay: time.Minute})
	body := []byte(`{"name":"r7","description":"d"}`)
	path := "/v1/contexts/default/repos"
	for i := range 3 {
		resp := rawFrom(g.node, signedReq(model.AccessKey{ID: rootKey.ID, Secret: "guess"}, "POST", path, body, body, time.Now()), "10.6.6.6")
		if resp.StatusCode() != 401 {
			t.Fatalf("guess %d: %d", i, resp.StatusCode())
		}
	}
	resp := rawFrom(g.node, signedReq(rootKey, "POST", path, body, body, time.Now()), "10.6.6.6")
	if resp.StatusCode() != 429 || errCode(t, resp) != api.CodeThrottled || string(resp.Header.Peek("Retry-After")) != "60" {
		t.Fatalf("throttled attempt: %d %q %s", resp.StatusCode(), resp.Header.Peek("Retry-After"), resp.Body())
	}
	if w := g.meta.writeCount(); w != 0 {
		t.Fatalf("a throttled request was applied (%d writes)", w)
	}
	resp = rawFrom(g.node, signedReq(rootKey, "POST", path, body, body, time.Now()), "10.2.2.2")
	if resp.StatusCode() != 201 {
		t.Fatalf("the real key from another address: %d %s", resp.StatusCode(), resp.Body())
	}
	recs := waitAudit(t, g.log, audit.Query{Refused: true}, 4)
	if last := recs[3]; last.Status != 429 || last.Code != api.CodeThrottled || last.KeyID != rootKey.ID || last.Authenticated {
		t.Fatalf("throttled request audited as %+v", last)
	}
	if m := g.limit.Metrics(); m["datamon_auth_failures_total"] != 3 || m["datamon_auth_throttled_total"] != 1 {
		t.Fatalf("limiter metrics %v", m)
	}
}

// The client reports a throttled call as client.ErrThrottled, at once.
func TestClientSeesThrottled(t *testing.T) {
	mn := memNet{}
	guardedNode(t, mn, authlimit.Config{PerKeySource: 2, BaseDelay: time.Minute})
	bad := newClient(t, mn, model.AccessKey{ID: rootKey.ID, Secret: "guess"}, "http://n1:7000")
	ctx := context.Background()
	for range 2 {
		if _, err := bad.ListContexts(ctx); !errors.Is(err, model.ErrUnauthenticated) {
			t.Fatalf("wrong secret: %v", err)
		}
	}
	start := time.Now()
	_, err := bad.ListContexts(ctx)
	var ae *client.APIError
	if !errors.Is(err, client.ErrThrottled) || !errors.As(err, &ae) || ae.RetryAfter != 30*time.Second || time.Since(start) > 5*time.Second {
		t.Fatalf("throttled call: %v after %v", err, time.Since(start))
	}
}
