package client

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"
)

// degradedNode answers its first `down` requests 503 Unavailable with
// Retry-After: 1 (not enough of the cluster up), then 200 with body.
func degradedNode(t *testing.T, down int32, body string) (*atomic.Int32, *Client) {
	t.Helper()
	var hits atomic.Int32
	ln := fasthttputil.NewInmemoryListener()
	srv := &fasthttp.Server{Handler: func(rc *fasthttp.RequestCtx) {
		rc.SetContentType("application/json")
		if hits.Add(1) <= down {
			rc.Response.Header.Set("Retry-After", "1")
			rc.SetStatusCode(fasthttp.StatusServiceUnavailable)
			rc.SetBodyString(`{"error":{"code":"Unavailable","message":"cas: insufficient shards"}}`)
			return
		}
		rc.SetBodyString(body)
	}}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown(); _ = ln.Close() })
	cfg := DefaultConfig()
	cfg.Endpoints = []string{"http://n1:1"}
	cfg.AccessKey, cfg.SecretKey = "AK", "secret"
	cfg.Retries, cfg.Backoff, cfg.MaxBackoff, cfg.Timeout = 3, time.Millisecond, time.Millisecond, 5*time.Second
	cfg.Dial = func(string) (net.Conn, error) { return ln.Dial() }
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &hits, c
}

// A 503 Unavailable with Retry-After is retried (idempotent call), and the
// client waits the server's Retry-After, not its own 1 ms backoff.
func TestRetryAfterHonoured(t *testing.T) {
	hits, c := degradedNode(t, 1, `{"name":"r","context":"default"}`)
	start := time.Now()
	repo, err := c.GetRepo(context.Background(), "default", "r")
	took := time.Since(start)
	if err != nil {
		t.Fatalf("GetRepo after one 503: %v", err)
	}
	if repo.Name != "r" || hits.Load() != 2 {
		t.Fatalf("repo %+v after %d requests, want r after 2", repo, hits.Load())
	}
	if took < 900*time.Millisecond {
		t.Fatalf("retried after %v: Retry-After: 1 not honoured", took)
	}
}

// A write answered 503 with Retry-After is resent after the server's
// delay: it carries a request ID, so the cluster applies it once.
func TestRetryAfterResendsWrite(t *testing.T) {
	hits, c := degradedNode(t, 1, `{"name":"l","bundle_id":"b1"}`)
	start := time.Now()
	if _, err := c.SetLabel(context.Background(), "default", "r", "l", "b1", LabelOptions{}); err != nil {
		t.Fatalf("SetLabel after one 503: %v", err)
	}
	if n := hits.Load(); n != 2 {
		t.Fatalf("SetLabel sent %d times, want 2", n)
	}
	if took := time.Since(start); took < 900*time.Millisecond {
		t.Fatalf("resent after %v: Retry-After: 1 not honoured", took)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"1", time.Second}, {" 2 ", 2 * time.Second}, {"0", 0}, {"-3", 0},
		{"99999999999999999", maxRetryAfter}, {"abc", 0}, {"1.5", 0},
		{now.Add(5 * time.Second).Format(http.TimeFormat), 5 * time.Second},
		{now.Add(-5 * time.Second).Format(http.TimeFormat), 0},
		{now.Add(time.Hour).Format(http.TimeFormat), maxRetryAfter},
	} {
		if got := parseRetryAfter(tc.in, now); got != tc.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "1", "120", "-1", "Sun, 06 Dec 2026 12:00:05 GMT", "x"} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		if d := parseRetryAfter(s, now); d < 0 || d > maxRetryAfter {
			t.Fatalf("parseRetryAfter(%q) = %v outside [0, %v]", s, d, maxRetryAfter)
		}
	})
}
