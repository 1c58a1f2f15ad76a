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
	ids  map[string]map[string]bool // request IDs seen per method and path
}

func startCountingNodes(t *testing.T, status int, code string) (*countingNodes, *Client) {
	t.Helper()
	cn := &countingNodes{hits: map[string]int{}, ids: map[string]map[string]bool{}}
	lns := map[string]*fasthttputil.InmemoryListener{}
	for _, addr := range []string{"n1:1", "n2:1"} {
		ln := fasthttputil.NewInmemoryListener()
		srv := &fasthttp.Server{Handler: func(rc *fasthttp.RequestCtx) {
			cn.mu.Lock()
			k := string(rc.Method()) + " " + string(rc.Path())
			cn.hits[k]++
			if cn.ids[k] == nil {
				cn.ids[k] = map[string]bool{}
			}
			cn.ids[k][string(rc.Request.Header.Peek(HeaderRequestID))] = true
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

// requestIDs returns the distinct request IDs sent to key ("" for none).
func (cn *countingNodes) requestIDs(key string) []string {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	var out []string
	for id := range cn.ids[key] {
		out = append(out, id)
	}
	return out
}

func (cn *countingNodes) count(key string) int {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	return cn.hits[key]
}

// A 503 other than NotServing may follow an applied command (e.g. the
// node's forward to the leader timed out after the proposal). Every write
// is resent anyway, with the request ID of its first attempt, so the
// cluster applies it once and answers the resend with the first outcome
// (jepsen bug 7: a resent unconditional label move used to move a label
// back over another writer's move). Reads carry no ID.
func TestWritesResendWithOneRequestID(t *testing.T) {
	cn, c := startCountingNodes(t, fasthttp.StatusServiceUnavailable, "Unavailable")
	ctx := context.Background()
	path := "/v1/contexts/default/repos/r"
	calls := []struct {
		name  string
		key   string
		write bool
		run   func() error
	}{
		{"unconditional SetLabel", "PUT " + path + "/labels/l", true, func() error {
			_, err := c.SetLabel(ctx, "default", "r", "l", "b1", LabelOptions{})
			return err
		}},
		{"conditional SetLabel", "PUT " + path + "/labels/m", true, func() error {
			_, err := c.SetLabel(ctx, "default", "r", "m", "b1", LabelOptions{IfMatch: "b0"})
			return err
		}},
		{"DiscardDraft", "DELETE " + path + "/draft", true, func() error { return c.DiscardDraft(ctx, "default", "r") }},
		{"SetRepairRate", "PUT /v1/cluster/repair-rate", true, func() error { return c.SetRepairRate(ctx, 1<<20) }},
		{"DeleteRepo", "DELETE " + path, true, func() error { return c.DeleteRepo(ctx, "default", "r") }},
		{"GetLabel", "GET " + path + "/labels/l", false, func() error {
			_, err := c.GetLabel(ctx, "default", "r", "l")
			return err
		}},
	}
	for _, tc := range calls {
		if err := tc.run(); err == nil {
			t.Errorf("%s: no error from a 503", tc.name)
		}
		if got := cn.count(tc.key); got != 4 {
			t.Errorf("%s: %d requests sent, want 4 (1 + 3 retries)", tc.name, got)
		}
		ids := cn.requestIDs(tc.key)
		switch {
		case !tc.write && (len(ids) != 1 || ids[0] != ""):
			t.Errorf("%s: read sent request IDs %q", tc.name, ids)
		case tc.write && (len(ids) != 1 || ids[0] == ""):
			t.Errorf("%s: attempts sent request IDs %q, want one ID on all", tc.name, ids)
		}
	}
	// Two logical writes get two IDs; WithRequestID pins one.
	_ = c.DiscardDraft(ctx, "default", "r")
	if ids := cn.requestIDs("DELETE " + path + "/draft"); len(ids) != 2 {
		t.Errorf("second DiscardDraft reused the first's ID: %q", ids)
	}
	pinned, err := WithRequestID(ctx, c.NewRequestID())
	if err != nil {
		t.Fatal(err)
	}
	_ = c.DiscardDraft(pinned, "default", "r")
	_ = c.DiscardDraft(pinned, "default", "r")
	if ids := cn.requestIDs("DELETE " + path + "/draft"); len(ids) != 3 {
		t.Errorf("pinned ID: %d distinct IDs, want 3", len(ids))
	}
	// Chunk uploads are content-addressed: no ID (the node would digest
	// every MiB body for nothing).
	_, _ = c.PutChunk(ctx, []byte("chunk"))
	if ids := cn.requestIDs("PUT /v1/chunks"); len(ids) != 1 || ids[0] != "" {
		t.Errorf("chunk upload sent request IDs %q", ids)
	}
	if _, err := WithRequestID(ctx, "not-an-id"); err == nil {
		t.Error("WithRequestID accepted a malformed ID")
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
