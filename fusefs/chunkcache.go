package fusefs

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/manifest"
)

// ChunkCache fetches chunks through a Store and keeps the most recently used
// ones, bounded in bytes; concurrent requests for one chunk share a fetch.
// Prefetches run in the background, at most Prefetch at a time.
type ChunkCache struct {
	get     func(ctx context.Context, id chunk.ID) ([]byte, error)
	cache   *lru[chunk.ID, []byte]
	timeout time.Duration
	log     *slog.Logger
	sem     chan struct{} // bounds prefetches in flight
	ctx     context.Context
	cancel  context.CancelFunc

	mu       sync.Mutex
	inflight map[chunk.ID]*fetch
}

type fetch struct {
	done chan struct{}
	data []byte
	err  error
}

// NewChunkCache returns a cache of at most cfg.CacheSize bytes (in flight
// fetches, at most Prefetch+readers chunks, come on top).
func NewChunkCache(cfg Config, get func(ctx context.Context, id chunk.ID) ([]byte, error)) *ChunkCache {
	ctx, cancel := context.WithCancel(context.Background())
	n := max(cfg.Prefetch, 1)
	return &ChunkCache{
		get:     get,
		cache:   newLRU(cfg.CacheSize, func(_ chunk.ID, b []byte) int64 { return int64(len(b)) + 64 }),
		timeout: cfg.FetchTimeout, log: cfg.Logger, sem: make(chan struct{}, n),
		ctx: ctx, cancel: cancel, inflight: map[chunk.ID]*fetch{},
	}
}

// Close cancels background fetches.
func (c *ChunkCache) Close() { c.cancel() }

// Stats returns the cached chunk count and bytes.
func (c *ChunkCache) Stats() (int, int64) { return c.cache.size() }

// Get returns the chunk's bytes, checking their length against ref.
func (c *ChunkCache) Get(ctx context.Context, ref manifest.ChunkRef) ([]byte, error) {
	if b, ok := c.cache.get(ref.ID); ok {
		return b, nil
	}
	c.mu.Lock()
	f, ok := c.inflight[ref.ID]
	if !ok {
		f = &fetch{done: make(chan struct{})}
		c.inflight[ref.ID] = f
		go c.run(ref, f)
	}
	c.mu.Unlock()
	select {
	case <-f.done:
		return f.data, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Prefetch starts fetching refs in the background unless cached, in flight
// or too many prefetches already run.
func (c *ChunkCache) Prefetch(refs []manifest.ChunkRef) {
	for _, ref := range refs {
		if _, ok := c.cache.get(ref.ID); ok {
			continue
		}
		c.mu.Lock()
		_, busy := c.inflight[ref.ID]
		if busy {
			c.mu.Unlock()
			continue
		}
		select {
		case c.sem <- struct{}{}:
		default:
			c.mu.Unlock()
			return
		}
		f := &fetch{done: make(chan struct{})}
		c.inflight[ref.ID] = f
		c.mu.Unlock()
		go func() {
			defer func() { <-c.sem }()
			c.run(ref, f)
		}()
	}
}

func (c *ChunkCache) run(ref manifest.ChunkRef, f *fetch) {
	ctx, cancel := context.WithTimeout(c.ctx, c.timeout)
	defer cancel()
	f.data, f.err = c.get(ctx, ref.ID)
	if f.err == nil && int64(len(f.data)) != int64(ref.Size) {
		f.data, f.err = nil, fmt.Errorf("fusefs: chunk %s: %d bytes, manifest says %d", ref.ID, len(f.data), ref.Size)
	}
	if f.err != nil {
		c.log.Warn("fusefs: chunk fetch failed", "chunk", ref.ID, "err", f.err)
	} else {
		c.cache.put(ref.ID, f.data)
	}
	c.mu.Lock()
	delete(c.inflight, ref.ID)
	c.mu.Unlock()
	close(f.done)
}
