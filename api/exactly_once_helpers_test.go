package api_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
	"github.com/datamon-io/datamon/reqid"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"
)

// replyDropper sits between the client and a node: it passes every request
// on and, for the first attempt of each request ID, drops the node's
// answer (closes the connection) after the node has processed it. hook, if
// set, runs between that first attempt and its resend.
type replyDropper struct {
	mu       sync.Mutex
	attempts map[string]int
	hook     func(id string)
}

func (p *replyDropper) tries(id string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.attempts[id]
}

func startReplyDropper(t *testing.T, mn memNet, addr string, backend *fasthttputil.InmemoryListener) *replyDropper {
	t.Helper()
	p := &replyDropper{attempts: map[string]int{}}
	hc := &fasthttp.Client{Dial: func(string) (net.Conn, error) { return backend.Dial() }}
	ln := fasthttputil.NewInmemoryListener()
	srv := &fasthttp.Server{Logger: quietLogger{}, Handler: func(rc *fasthttp.RequestCtx) {
		id := string(rc.Request.Header.Peek(reqid.Header))
		var req fasthttp.Request
		rc.Request.CopyTo(&req)
		resp := fasthttp.AcquireResponse()
		defer fasthttp.ReleaseResponse(resp)
		if err := hc.Do(&req, resp); err != nil {
			rc.Error(err.Error(), fasthttp.StatusBadGateway)
			return
		}
		p.mu.Lock()
		p.attempts[id]++
		first := id != "" && p.attempts[id] == 1
		hook := p.hook
		p.mu.Unlock()
		if first {
			if hook != nil {
				hook(id)
			}
			_ = rc.Conn().Close() // the answer is lost
			return
		}
		resp.CopyTo(&rc.Response)
	}}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown(); _ = ln.Close() })
	mn[addr] = ln
	return p
}

// raftDurability serves the drain, undrain and repair-rate routes from the
// real Raft metadata store (node's durableCluster does the same).
type raftDurability struct {
	staticCluster
	m *raftmeta.Meta
}

func (d raftDurability) DurabilityStatus(context.Context) (any, error) { return struct{}{}, nil }
func (d raftDurability) Fsck(context.Context, api.FsckRequest) (any, bool, error) {
	return struct{}{}, true, nil
}
func (d raftDurability) GC(context.Context, api.GCRequest) (any, error) { return struct{}{}, nil }
func (d raftDurability) DrainNode(ctx context.Context, id string) error {
	return d.m.SetNodeCapacity(ctx, id, 0)
}
func (d raftDurability) UndrainNode(ctx context.Context, id string) (uint64, error) {
	return d.m.UndrainNode(ctx, id)
}
func (d raftDurability) SetRepairRate(ctx context.Context, bps uint64) error {
	return d.m.SetRepairRate(ctx, bps)
}
func (d raftDurability) Discard(ctx context.Context, c, repo string) error {
	return d.m.DiscardDraft(ctx, c, repo)
}
func (d raftDurability) Commit(context.Context, string, string, string, string, model.Contributor) (model.Bundle, error) {
	return model.Bundle{}, errors.New("not in this test")
}
func (d raftDurability) DraftCounts(context.Context, string, string) (int64, int64, int64, error) {
	return 0, 0, 0, nil
}
func (d raftDurability) CheckRemoval(context.Context, string) error { return nil }
func (d raftDurability) CheckDrain(context.Context, string) error   { return nil }

// quietLogger drops fasthttp's per-connection errors (every dropped
// answer logs one).
type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

// A malformed request ID is refused with 400 before anything runs; reads
// ignore the header.
func TestMalformedRequestIDRefused(t *testing.T) {
	n := bareNode(newMemMeta(allKeys...))
	body := []byte(`{"name":"x","description":"d"}`)
	req := signedReq(rootKey, "POST", "/v1/contexts/default/repos", body, body, time.Now())
	req.Header.Set(api.HeaderRequestID, "not-a-request-id")
	resp := raw(n, req)
	if resp.StatusCode() != fasthttp.StatusBadRequest || !strings.Contains(string(resp.Body()), api.HeaderRequestID) {
		t.Fatalf("malformed ID: %d %s", resp.StatusCode(), resp.Body())
	}
	get := signedReq(rootKey, "GET", "/v1/contexts/default/repos/x", nil, nil, time.Now())
	get.Header.Set(api.HeaderRequestID, "not-a-request-id")
	if resp := raw(n, get); resp.StatusCode() != fasthttp.StatusNotFound {
		t.Fatalf("read of the refused repo: %d %s", resp.StatusCode(), resp.Body())
	}
}
