package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// leaderlessMeta fails context reads as a node without a leader does
// (access keys still resolve from local state).
type leaderlessMeta struct {
	*memMeta
	down bool
}

func (m *leaderlessMeta) GetContext(ctx context.Context, name string) (model.Context, error) {
	if m.down {
		return model.Context{}, fmt.Errorf("get context %s: %w", name, errNoLeader)
	}
	return m.memMeta.GetContext(ctx, name)
}

// A degraded cluster (here: no leader) answers 503 Unavailable with
// Retry-After, so clients back off and retry; a normal answer has none.
func TestUnavailableHasRetryAfter(t *testing.T) {
	meta := &leaderlessMeta{memMeta: newMemMeta(allKeys...), down: true}
	n := bareNode(meta.memMeta)
	cfg := api.DefaultConfig()
	cfg.Unavailable = func(err error) bool { return errors.Is(err, errNoLeader) }
	n.srv = api.New(cfg, meta, n.chunks, staticCluster{id: "n1:7000"})
	resp := raw(n, signedReq(rootKey, "GET", "/v1/contexts/default", nil, nil, time.Now()))
	var body api.ErrorBody
	_ = json.Unmarshal(resp.Body(), &body)
	if resp.StatusCode() != fasthttp.StatusServiceUnavailable || body.Error.Code != api.CodeUnavailable {
		t.Fatalf("no leader: %d %s, want 503 Unavailable", resp.StatusCode(), resp.Body())
	}
	if ra := string(resp.Header.Peek(api.HeaderRetryAfter)); ra != "1" {
		t.Fatalf("Retry-After = %q, want 1", ra)
	}
	meta.down = false
	resp = raw(n, signedReq(rootKey, "GET", "/v1/contexts/default", nil, nil, time.Now()))
	if resp.StatusCode() != fasthttp.StatusOK || len(resp.Header.Peek(api.HeaderRetryAfter)) != 0 {
		t.Fatalf("healthy: %d, Retry-After %q", resp.StatusCode(), resp.Header.Peek(api.HeaderRetryAfter))
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "1", time.Millisecond: "1", time.Second: "1",
		1500 * time.Millisecond: "2", 5 * time.Second: "5"} {
		if got := api.RetryAfterSeconds(d); got != want {
			t.Errorf("RetryAfterSeconds(%v) = %s, want %s", d, got, want)
		}
	}
}

// A node not serving yet (no applied metadata) says when to try again too.
func TestNotServingHasRetryAfter(t *testing.T) {
	meta := newMemMeta(allKeys...)
	n := bareNode(meta)
	meta.down = true
	resp := raw(n, signedReq(rootKey, "GET", "/v1/contexts/default", nil, nil, time.Now()))
	if resp.StatusCode() != fasthttp.StatusServiceUnavailable || string(resp.Header.Peek(api.HeaderRetryAfter)) != "1" {
		t.Fatalf("not serving: %d Retry-After %q, want 503 with 1", resp.StatusCode(), resp.Header.Peek(api.HeaderRetryAfter))
	}
}
