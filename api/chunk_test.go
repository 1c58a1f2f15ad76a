package api_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp/fasthttputil"
)

func TestChunks(t *testing.T) {
	ctx := context.Background()
	n, _, c := single(t)
	data := bytes.Repeat([]byte("abc"), 1000)
	id, err := c.PutChunk(ctx, data)
	if err != nil || id != chunk.Sum(data) {
		t.Fatalf("put: %s %v", id, err)
	}
	got, err := c.GetChunk(ctx, id)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("get: %d bytes %v", len(got), err)
	}
	missing := chunk.Sum([]byte("missing"))
	if _, err := c.GetChunk(ctx, missing); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("get missing: %v", err)
	}
	has, err := c.HasChunks(ctx, []chunk.ID{missing, id})
	if err != nil || len(has) != 2 || has[0] || !has[1] {
		t.Fatalf("has: %v %v", has, err)
	}
	// The empty chunk is valid content (an empty file) and round-trips.
	if eid, err := c.PutChunk(ctx, nil); err != nil || eid != chunk.Sum(nil) {
		t.Fatalf("empty chunk: %v %v", eid, err)
	}
	if got, err := c.GetChunk(ctx, chunk.Sum(nil)); err != nil || len(got) != 0 {
		t.Fatalf("empty chunk read back: %d bytes, %v", len(got), err)
	}

	// Oversized: 413, nothing stored.
	if _, err := c.PutChunk(ctx, make([]byte, testLimit+1)); !errors.Is(err, client.ErrTooLarge) {
		t.Fatalf("oversized chunk: %v", err)
	}
	if n.chunks.count() != 2 { // the chunk above and the empty chunk
		t.Fatalf("oversized chunk stored: %d chunks", n.chunks.count())
	}
	big := make([]chunk.ID, 200) // ~13 KB of JSON > 4 KiB JSON limit
	if _, err := c.HasChunks(ctx, big); !errors.Is(err, client.ErrTooLarge) {
		t.Fatalf("oversized JSON: %v", err)
	}
	_, err = c.CreateRepo(ctx, model.Repo{Context: "default", Name: "r", Description: string(make([]byte, 5000))})
	if !errors.Is(err, client.ErrTooLarge) || n.meta.writeCount() != 0 {
		t.Fatalf("oversized repo create: %v (writes %d)", err, n.meta.writeCount())
	}

	// Corrupt bytes from the server: detected, reported after retries.
	n.chunks.setCorrupt()
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := c.GetChunk(cctx, id); !errors.Is(err, client.ErrCorruptChunk) {
		t.Fatalf("corrupt chunk: %v", err)
	}
}

func TestFailover(t *testing.T) {
	ctx := context.Background()
	mn := memNet{}
	down := newMemMeta(allKeys...)
	a := startNode(t, mn, "a:1", down)
	b := startNode(t, mn, "b:1", newMemMeta(allKeys...))
	corrupt := startNode(t, mn, "c:1", newMemMeta(allKeys...))

	// Dead endpoint (nothing listening) then a live one.
	c := newClient(t, mn, rootKey, "http://dead:1", "http://b:1")
	if _, err := c.CreateRepo(ctx, model.Repo{Context: "default", Name: "r1", Description: "d"}); err != nil {
		t.Fatalf("failover from dead endpoint: %v", err)
	}
	// 4xx is not retried: a has no r1, b has; asking a first gives NotFound.
	ab := newClient(t, mn, rootKey, "http://a:1", "http://b:1")
	if _, err := ab.GetRepo(ctx, "default", "r1"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("4xx must not fail over: %v", err)
	}
	// 503 (no leader) fails over, for reads and writes.
	down.setDown(true)
	if _, err := ab.GetRepo(ctx, "default", "r1"); err != nil {
		t.Fatalf("503 read failover: %v", err)
	}
	ab2 := newClient(t, mn, rootKey, "http://a:1", "http://b:1")
	if _, err := ab2.CreateRepo(ctx, model.Repo{Context: "default", Name: "r2", Description: "d"}); err != nil {
		t.Fatalf("503 write failover: %v", err)
	}
	if a.meta.writeCount() != 0 || b.meta.writeCount() != 2 {
		t.Fatalf("writes: a %d b %d", a.meta.writeCount(), b.meta.writeCount())
	}
	// All endpoints unavailable: ErrUnavailable.
	only := newClient(t, mn, rootKey, "http://a:1")
	if _, err := only.ListContexts(ctx); !errors.Is(err, client.ErrUnavailable) {
		t.Fatalf("all down: %v", err)
	}
	// A corrupt chunk from one node is replaced by good bytes from another.
	data := []byte("payload")
	for _, n := range []*node{b, corrupt} {
		if _, err := n.chunks.Put(ctx, data); err != nil {
			t.Fatal(err)
		}
	}
	corrupt.chunks.setCorrupt()
	cb := newClient(t, mn, rootKey, "http://c:1", "http://b:1")
	if got, err := cb.GetChunk(ctx, chunk.Sum(data)); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("corrupt failover: %q %v", got, err)
	}
	// Context cancellation bounds the retries.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := ab.ListContexts(cctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled ctx: %v", err)
	}
}

// TestChunkPastStoreLimit: a 20 MiB chunk is within the default body limit
// (32 MiB) but past the chunk store's (16 MiB): 413, not 500, alone or in
// a batch, and nothing is stored.
func TestChunkPastStoreLimit(t *testing.T) {
	mn := memNet{}
	n := &node{meta: newMemMeta(allKeys...), chunks: newMemChunks()}
	n.srv = api.New(api.DefaultConfig(), n.meta, n.chunks, staticCluster{id: "n1:7000"})
	n.addr, n.ln = "n1:7000", fasthttputil.NewInmemoryListener()
	hs := n.srv.HTTPServer()
	go func() { _ = hs.Serve(n.ln) }()
	t.Cleanup(func() { _ = hs.Shutdown(); _ = n.ln.Close() })
	mn[n.addr] = n.ln
	c := newClient(t, mn, rootKey, "http://n1:7000")
	ctx := context.Background()
	if _, err := c.PutChunk(ctx, make([]byte, 20<<20)); !errors.Is(err, client.ErrTooLarge) {
		t.Fatalf("20 MiB chunk: %v", err)
	}
	if _, err := c.PutChunks(ctx, [][]byte{[]byte("ok"), make([]byte, 17<<20)}); !errors.Is(err, client.ErrTooLarge) {
		t.Fatalf("batch with a 17 MiB chunk: %v", err)
	}
	if got := n.chunks.count(); got != 0 {
		t.Fatalf("%d chunks stored", got)
	}
	if _, err := c.PutChunk(ctx, make([]byte, 16<<20)); err != nil {
		t.Fatalf("16 MiB chunk: %v", err)
	}
}
