package api_test

import (
	"strings"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/datamon-io/datamon/api"
)

// A bearer metrics token opens GET /metrics (Prometheus' authorization:
// credentials) and nothing else; without it, or with a wrong one, 401.
func TestMetricsBearerToken(t *testing.T) {
	const token = "prometheus-token-0123456789"
	cfg := api.DefaultConfig()
	cfg.MetricsToken = token
	n := &node{meta: newMemMeta(allKeys...), chunks: newMemChunks()}
	n.srv = api.New(cfg, n.meta, n.chunks, staticCluster{id: "n1:7000"})
	get := func(path, auth string) *fasthttp.Response {
		req := &fasthttp.Request{}
		req.SetRequestURI("http://n1:7000" + path)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		return raw(n, req)
	}
	if r := get("/metrics", "Bearer "+token); r.StatusCode() != 200 || !strings.Contains(string(r.Body()), "datamon_build_info") {
		t.Fatalf("token scrape: %d %.200q", r.StatusCode(), r.Body())
	}
	for _, auth := range []string{"", "Bearer wrong-token-0123456789", "Bearer " + token[:len(token)-1], "Basic " + token} {
		if r := get("/metrics", auth); r.StatusCode() != 401 {
			t.Errorf("/metrics with %q: %d", auth, r.StatusCode())
		}
	}
	if r := get("/v1/contexts", "Bearer "+token); r.StatusCode() != 401 {
		t.Errorf("the metrics token opened /v1/contexts: %d", r.StatusCode())
	}
	// A node without a token refuses bearer scrapes.
	if r := raw(bareNode(newMemMeta(allKeys...)), func() *fasthttp.Request {
		req := &fasthttp.Request{}
		req.SetRequestURI("http://n1:7000/metrics")
		req.Header.Set("Authorization", "Bearer "+token)
		return req
	}()); r.StatusCode() != 401 {
		t.Errorf("bearer on a node without a token: %d", r.StatusCode())
	}
}
