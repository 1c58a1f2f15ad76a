package api_test

import (
	"testing"
	"time"

	"github.com/datamon-io/datamon/audit"
	"github.com/datamon-io/datamon/authlimit"
	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// A mounted handler (Git LFS) guards itself: the API's guard neither
// audits its refusals (as "unmatched", without the key it could not read)
// nor counts them against the source; the API's own refusals still are.
func TestMountedPathsLeftToTheirHandler(t *testing.T) {
	g := guardedNode(t, nil, authlimit.Config{PerKeySource: 1, PerSource: 1, BaseDelay: time.Minute})
	g.srv.Mount("/lfs/", func(rc *fasthttp.RequestCtx) { rc.SetStatusCode(fasthttp.StatusUnauthorized) })
	for range 3 {
		var req fasthttp.Request
		req.SetRequestURI("/lfs/default/games/objects/batch")
		req.Header.SetMethod("POST")
		req.Header.Set("Authorization", "Basic YW5uOmd1ZXNz") // ann:guess
		if resp := rawFrom(g.node, &req, "10.2.2.2"); resp.StatusCode() != 401 {
			t.Fatalf("mounted handler: %d %s", resp.StatusCode(), resp.Body())
		}
	}
	// Not throttled by the API's limiter (one failure would do it), and
	// the first audited refusal is this one.
	body := []byte(`{"name":"r9","description":"d"}`)
	wrong := signedReq(model.AccessKey{ID: rootKey.ID, Secret: "guess-secret"}, "POST", "/v1/contexts/default/repos", body, body, time.Now())
	if resp := rawFrom(g.node, wrong, "10.2.2.2"); resp.StatusCode() != 401 {
		t.Fatalf("API request after mounted refusals: %d %s", resp.StatusCode(), resp.Body())
	}
	recs := waitAudit(t, g.log, audit.Query{Refused: true}, 1)
	if recs[0].Action != "POST /v1/contexts/{ctx}/repos" {
		t.Fatalf("audited %+v", recs[0])
	}
}
