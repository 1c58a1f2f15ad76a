package client

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"
)

// countingNodes are two API endpoints on in-memory listeners that answer
// every request with the given status and error code, counting requests
// per method and path.
type countingNodes struct {
	mu   sync.Mutex
	hits map[string]int
}

func startCountingNodes(t *testing.T, status int, code string) (*countingNodes, *Client) {
	t.Helper()
	cn := &countingNodes{hits: map[string]int{}}
	lns := map[string]*fasthttputil.InmemoryListener{}
	for _, addr := range []string{"n1:1", "n2:1"} {
		ln := fasthttputil.NewInmemoryListener()
		srv := &fasthttp.Server{Handler: func(rc *fasthttp.RequestCtx) {
			cn.mu.Lock()
			cn.hits[string(rc.Method())+" "+string(rc.Path())]++
			cn.mu.Unlock()
			rc.SetStatusCode(status)
			rc.SetContentType("application/json")
			rc.SetBodyString(`{"error":{"code":"` + code + `","message":"test"}}`)
		}}
		go func() { _ = srv.Serve(ln) }()
		t.Cleanup(func() { _ = srv.Shutdown(); _ = ln.Close() })
		lns[addr] = ln
	}
	cfg := DefaultConfig()
	cfg.Endpoints = []string{"http://n1:1", "http://n2:1"}
	cfg.AccessKey, cfg.SecretKey = "AK", "secret"
	cfg.Retries, cfg.Backoff, cfg.MaxBackoff, cfg.Timeout = 3, time.Millisecond, time.Millisecond, 5*time.Second
	cfg.Dial = func(addr string) (net.Conn, error) { return lns[addr].Dial() }
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cn, c
}

func (cn *countingNodes) count(key string) int {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	return cn.hits[key]
}

// A 503 other than NotServing may follow an applied command (e.g. the
// node's forward to the leader timed out after the proposal). Writes whose
// resend could undo another writer's change in between must be sent once;
// reads must be retried. jepsen found the unconditional label move
// (datamon-open-client-retries: a resent move moved a label back).
func TestNoResendAfterPossiblyApplied(t *testing.T) {
	cn, c := startCountingNodes(t, fasthttp.StatusServiceUnavailable, "Unavailable")
	ctx := context.Background()
	path := "/v1/contexts/default/repos/r"
	calls := []struct {
		name string
		key  string
		want int // requests the client must send in all
		run  func() error
	}{
		{"unconditional SetLabel", "PUT " + path + "/labels/l", 1, func() error {
			_, err := c.SetLabel(ctx, "default", "r", "l", "b1", LabelOptions{})
			return err
		}},
		{"conditional SetLabel", "PUT " + path + "/labels/m", 1, func() error {
			_, err := c.SetLabel(ctx, "default", "r", "m", "b1", LabelOptions{IfMatch: "b0"})
			return err
		}},
		{"DiscardDraft", "DELETE " + path + "/draft", 1, func() error { return c.DiscardDraft(ctx, "default", "r") }},
		{"SetRepairRate", "PUT /v1/cluster/repair-rate", 1, func() error { return c.SetRepairRate(ctx, 1<<20) }},
		// Control: a read is retried (1 + Retries attempts), so a client
		// that never retried would fail this row.
		{"GetLabel", "GET " + path + "/labels/l", 4, func() error {
			_, err := c.GetLabel(ctx, "default", "r", "l")
			return err
		}},
	}
	for _, tc := range calls {
		if err := tc.run(); err == nil {
			t.Errorf("%s: no error from a 503", tc.name)
		}
		if got := cn.count(tc.key); got != tc.want {
			t.Errorf("%s: %d requests sent, want %d", tc.name, got, tc.want)
		}
	}
}

// A 503 NotServing says the node processed nothing: every call, writes
// included, fails over.
func TestResendAfterNotServing(t *testing.T) {
	cn, c := startCountingNodes(t, fasthttp.StatusServiceUnavailable, codeNotServing)
	if _, err := c.SetLabel(context.Background(), "default", "r", "l", "b1", LabelOptions{}); err == nil {
		t.Fatal("no error")
	}
	if got := cn.count("PUT /v1/contexts/default/repos/r/labels/l"); got != 4 {
		t.Fatalf("%d requests sent, want 4 (1 + 3 retries)", got)
	}
}
