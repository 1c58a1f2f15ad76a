package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/apiauth"
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

func errCode(t *testing.T, resp *fasthttp.Response) string {
	t.Helper()
	var eb api.ErrorBody
	if err := json.Unmarshal(resp.Body(), &eb); err != nil {
		t.Fatalf("error body %q: %v", resp.Body(), err)
	}
	return eb.Error.Code
}

func TestAuthFailuresChangeNothing(t *testing.T) {
	n, mn, _ := single(t)
	body := []byte(`{"name":"r9","description":"d"}`)
	path := "/v1/contexts/default/repos"
	now := time.Now()

	noHeader := &fasthttp.Request{}
	noHeader.SetRequestURI("http://n1:7000" + path)
	noHeader.Header.SetMethod("POST")
	noHeader.SetBody(body)

	wrongSecret := signedReq(model.AccessKey{ID: rootKey.ID, Secret: "guess"}, "POST", path, body, body, now)
	tampered := signedReq(rootKey, "POST", path, body, []byte(`{"name":"evil","description":"d"}`), now)
	staleDate := signedReq(rootKey, "POST", path, body, body, now.Add(-20*time.Minute))
	futureDate := signedReq(rootKey, "POST", path, body, body, now.Add(20*time.Minute))
	unknownKey := signedReq(model.AccessKey{ID: "AKWHO", Secret: "x"}, "POST", path, body, body, now)
	unsigned := signedReq(rootKey, "POST", path, body, body, now)
	unsigned.Header.Set(api.HeaderContentDigest, apiauth.UnsignedPayload)
	unsigned.Header.Set("Authorization", apiauth.Sign(rootKey.ID, rootKey.Secret, apiauth.Request{
		Method: "POST", Path: path, BodyDigest: apiauth.UnsignedPayload}, now))
	otherPath := signedReq(rootKey, "POST", path, body, body, now)
	otherPath.SetRequestURI("http://n1:7000/v1/contexts/prod/repos")

	for name, req := range map[string]*fasthttp.Request{
		"no header": noHeader, "wrong secret": wrongSecret, "tampered body": tampered,
		"stale date": staleDate, "future date": futureDate, "unknown key": unknownKey,
		"unsigned JSON": unsigned, "other path": otherPath,
	} {
		resp := raw(n, req)
		if resp.StatusCode() != 401 || errCode(t, resp) != api.CodeUnauthenticated {
			t.Errorf("%s: status %d body %s", name, resp.StatusCode(), resp.Body())
		}
	}
	if w := n.meta.writeCount(); w != 0 {
		t.Fatalf("unauthenticated requests wrote %d times", w)
	}
	// The same request, correctly signed, works: the cases above failed for their flaw only.
	if resp := raw(n, signedReq(rootKey, "POST", path, body, body, now)); resp.StatusCode() != 201 {
		t.Fatalf("good request: %d %s", resp.StatusCode(), resp.Body())
	}

	// Through the client: wrong secret and skewed clock are ErrUnauthenticated, not retried.
	ctx := context.Background()
	bad := newClient(t, mn, model.AccessKey{ID: rootKey.ID, Secret: "nope"}, "http://n1:7000")
	if _, err := bad.ListContexts(ctx); !errors.Is(err, model.ErrUnauthenticated) {
		t.Fatalf("client wrong secret: %v", err)
	}
	cfg := client.DefaultConfig()
	cfg.Endpoints, cfg.AccessKey, cfg.SecretKey, cfg.Dial = []string{"n1:7000"}, rootKey.ID, rootKey.Secret, mn.dial
	cfg.Now = func() time.Time { return time.Now().Add(-time.Hour) }
	skewed, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := skewed.PutChunk(ctx, []byte("data")); !errors.Is(err, model.ErrUnauthenticated) {
		t.Fatalf("client skewed clock: %v", err)
	}
	if n.chunks.count() != 0 {
		t.Fatal("unauthenticated chunk put stored data")
	}
}

func TestHealthzAndMetricsAuth(t *testing.T) {
	n, _, c := single(t)
	req := &fasthttp.Request{}
	req.SetRequestURI("http://n1:7000/healthz")
	if resp := raw(n, req); resp.StatusCode() != 200 || string(resp.Body()) != "ok\n" {
		t.Fatalf("healthz: %d %q", resp.StatusCode(), resp.Body())
	}
	for _, p := range []string{"/metrics", "/v1/contexts", "/v1/nothing-here", "/v1/chunks/" + strings.Repeat("0", 64)} {
		req.SetRequestURI("http://n1:7000" + p)
		if resp := raw(n, req); resp.StatusCode() != 401 {
			t.Errorf("%s unauthenticated: %d", p, resp.StatusCode())
		}
	}
	ctx := context.Background()
	if err := c.Health(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetRepo(ctx, "default", "missing"); !errors.Is(err, model.ErrNotFound) {
		t.Fatal(err)
	}
	m, err := c.Metrics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`datamon_api_requests_total{route="/v1/contexts/{ctx}/repos/{repo}",status="404"} 1`,
		`datamon_api_requests_total{route="/v1/contexts",status="401"} 1`,
		"datamon_cas_puts_total 7",
		`datamon_build_info{version="dev"} 1`,
	} {
		if !strings.Contains(string(m), want) {
			t.Errorf("metrics lack %q:\n%s", want, m)
		}
	}
	if strings.Contains(string(m), "bad name!") {
		t.Error("metrics exported an invalid metric name")
	}
}

func TestRoutingErrors(t *testing.T) {
	n, _, _ := single(t)
	now := time.Now()
	for _, tc := range []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/v1/unknown", 404, api.CodeNotFound},
		{"PATCH", "/v1/contexts", 405, api.CodeMethodNotAllowed},
		{"GET", "/v1/contexts/default/repos/", 404, api.CodeNotFound},
		{"GET", "/v1/chunks/xyz", 400, api.CodeInvalid},
		{"POST", "/v1/contexts", 400, api.CodeInvalid}, // empty body
	} {
		resp := raw(n, signedReq(rootKey, tc.method, tc.path, nil, nil, now))
		if resp.StatusCode() != tc.status || errCode(t, resp) != tc.code {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, resp.StatusCode(), resp.Body())
		}
	}
}
