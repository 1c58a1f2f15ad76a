package api_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/apiauth"
	"github.com/valyala/fasthttp"
)

// FuzzHandler sends arbitrary signed requests (method, path, query, body) to
// the real handler: request decoding and routing must never panic or answer
// 500, and a body altered after signing must always be refused with 401.
func FuzzHandler(f *testing.F) {
	f.Add(uint8(1), "/v1/contexts", []byte(`{"name":"c1","description":"d"}`))
	f.Add(uint8(1), "/v1/contexts/default/repos", []byte(`{"name":"r1","description":"d"}`))
	f.Add(uint8(1), "/v1/contexts/default/repos/r1/bundles", []byte(`{"bundle":{"message":"m","manifest_root":"`+zeroID+`"},"label":"v1"}`))
	f.Add(uint8(2), "/v1/contexts/default/repos/r1/labels/v1", []byte(`{"bundle_id":"x","if_match":"y"}`))
	f.Add(uint8(1), "/v1/chunks/has", []byte(`{"ids":["`+zeroID+`"]}`))
	f.Add(uint8(1), "/v1/cluster/remove-node", []byte(`{"id":"n9"}`))
	f.Add(uint8(2), "/v1/chunks", []byte("raw"))
	f.Add(uint8(0), "/v1/contexts/default/repos/r1/labels?prefix=v", []byte(nil))
	f.Add(uint8(3), "/v1/contexts/default/repos/r1", []byte(nil))
	f.Fuzz(func(t *testing.T, m uint8, path string, body []byte) {
		n := bareNode(newMemMeta(allKeys...))
		method := []string{"GET", "POST", "PUT", "DELETE", "PATCH"}[int(m)%5]
		if len(path) == 0 || path[0] != '/' {
			path = "/" + path
		}
		now := time.Now()
		req := signedReq(rootKey, method, path, body, body, now)
		if string(req.URI().Path()) == "/healthz" {
			return
		}
		resp := raw(n, req)
		if s := resp.StatusCode(); s >= 500 || s < 200 {
			t.Fatalf("%s %q %q: status %d %s", method, path, body, s, resp.Body())
		}
		tampered := signedReq(rootKey, method, path, body, append(append([]byte(nil), body...), 'x'), now)
		before := n.meta.writeCount()
		if resp := raw(n, tampered); resp.StatusCode() != 401 {
			t.Fatalf("tampered %s %q: status %d", method, path, resp.StatusCode())
		}
		if n.meta.writeCount() != before {
			t.Fatal("tampered request changed state")
		}
	})
}

const zeroID = "0000000000000000000000000000000000000000000000000000000000000000"

// FuzzSignedQuery checks that the query a client signs (url.Values, sent in
// canonical form) verifies against the server's parse of the URL.
func FuzzSignedQuery(f *testing.F) {
	f.Add("prefix=v1&stale=true")
	f.Add("a=1&a=0&b=%20x&c=%2B")
	f.Fuzz(func(t *testing.T, rawQuery string) {
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return
		}
		n := bareNode(newMemMeta(allKeys...))
		req := &fasthttp.Request{}
		req.SetRequestURI("http://n1:7000/v1/contexts?" + apiauth.CanonicalQuery(q))
		req.Header.Set(api.HeaderContentDigest, apiauth.BodyDigest(nil))
		req.Header.Set("Authorization", apiauth.Sign(rootKey.ID, rootKey.Secret, apiauth.Request{
			Method: "GET", Path: "/v1/contexts", Query: q, BodyDigest: apiauth.BodyDigest(nil)}, time.Now()))
		if resp := raw(n, req); resp.StatusCode() != 200 {
			t.Fatalf("query %q (%v): %d %s", rawQuery, q, resp.StatusCode(), resp.Body())
		}
	})
}
