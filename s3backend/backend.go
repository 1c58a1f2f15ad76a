package s3backend

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/manifest"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
)

// Backend implements gateway.Backend and gateway.Keys.
type Backend struct {
	cfg    Config
	log    *slog.Logger
	meta   Meta
	chunks Chunks
	pages  *pageCache
}

var (
	_ gateway.Backend = (*Backend)(nil)
	_ gateway.Keys    = (*Backend)(nil)
)

// New returns a Backend over meta (raftmeta.Meta) and chunks (cas.Service).
// Zero Config fields take DefaultConfig values.
func New(cfg Config, meta Meta, chunks Chunks) (*Backend, error) {
	d := DefaultConfig()
	if cfg.Chunker == (chunk.ChunkerConfig{}) {
		cfg.Chunker = d.Chunker
	}
	for _, f := range []struct {
		v   *int
		def int
	}{{&cfg.PutParallelism, d.PutParallelism},
		{&cfg.ReadAhead, d.ReadAhead}, {&cfg.HasThreshold, d.HasThreshold}, {&cfg.ListPage, d.ListPage},
		{&cfg.CommitRetries, d.CommitRetries}, {&cfg.CondRetries, d.CondRetries}, {&cfg.PageCache, d.PageCache}} {
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	if cfg.MinPartSize == 0 {
		cfg.MinPartSize = d.MinPartSize
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if meta == nil || chunks == nil {
		return nil, fmt.Errorf("%w: meta and chunks are required", ErrInvalidConfig)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Backend{cfg: cfg, log: log, meta: meta, chunks: chunks, pages: newPageCache(cfg.PageCache)}, nil
}

// target is a resolved bucket.
type target struct {
	Ref
	draft bool   // repo bucket: working head = the repo's head label + draft
	head  string // the repo's head label (model.Repo.Head)
}

// label is the label whose bundle is the target's base: the alias's label,
// else the repo's head label.
func (t target) label() string {
	if t.Label != "" {
		return t.Label
	}
	return t.head
}

// allowed reports whether id has at least perm on context/repo (through a
// grant on the repo, on its context or on the cluster).
func allowed(id gateway.Identity, context, repo string, perm model.Permission) bool {
	if id.Root {
		return true
	}
	return max(parsePerm(id.Grants[context+"/"+repo]), parsePerm(id.Grants[context+"/*"]),
		parsePerm(id.Grants[model.ScopeCluster])) >= perm
}

func parsePerm(s string) model.Permission {
	switch s {
	case "read":
		return model.PermRead
	case "write":
		return model.PermWrite
	case "admin":
		return model.PermAdmin
	}
	return model.PermNone
}

// resolve parses bucket, checks perm and that the repo (and the alias's
// label or bundle) exists. Writes to aliases are AccessDenied.
func (b *Backend) resolve(ctx context.Context, id gateway.Identity, bucket string, perm model.Permission) (target, error) {
	r, err := ParseBucket(bucket)
	if err != nil {
		return target{}, err
	}
	if !allowed(id, r.Context, r.Repo, perm) {
		return target{}, fmt.Errorf("%w: %s on %s/%s", gateway.ErrAccessDenied, permName(perm), r.Context, r.Repo)
	}
	need(ctx, r.Context, r.Repo, perm) // caller.go
	if r.ReadOnly() && perm > model.PermRead {
		return target{}, fmt.Errorf("%w: %s is a read-only ref alias", gateway.ErrAccessDenied, bucket)
	}
	repo, err := b.meta.GetRepo(ctx, r.Context, r.Repo)
	if err != nil {
		return target{}, mapErr(err, gateway.ErrNoSuchBucket)
	}
	switch {
	case r.Label != "":
		if _, err := b.meta.GetLabel(ctx, r.Context, r.Repo, r.Label); err != nil {
			return target{}, mapErr(err, gateway.ErrNoSuchBucket)
		}
	case r.Bundle != "":
		if _, err := b.meta.GetBundle(ctx, r.Context, r.Repo, r.Bundle); err != nil {
			return target{}, mapErr(err, gateway.ErrNoSuchBucket)
		}
	}
	return target{Ref: r, draft: !r.ReadOnly(), head: repo.Head()}, nil
}

func permName(p model.Permission) string {
	return [...]string{"none", "read", "write", "admin"}[p]
}

// mapErr turns model.ErrNotFound into notFound, a refusal of the metadata
// store (a write whose key was revoked before it applied: raftmeta.ErrKeyRevoked,
// ErrForbidden) into AccessDenied, and keeps other errors.
func mapErr(err, notFound error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, model.ErrPermission):
		return fmt.Errorf("%w: %w", gateway.ErrAccessDenied, err)
	case errors.Is(err, model.ErrNotFound):
		return fmt.Errorf("%w: %w", notFound, err)
	case errors.Is(err, model.ErrPrecondition):
		return fmt.Errorf("%w: %w", gateway.ErrPreconditionFailed, err)
	case errors.Is(err, model.ErrInvalid):
		return fmt.Errorf("%w: %w", gateway.ErrInvalidArgument, err)
	}
	return err
}

// base returns the bundle the target's base manifest comes from
// (ok = false: the label does not exist yet).
func (b *Backend) base(ctx context.Context, t target) (model.Bundle, bool, error) {
	if t.Bundle != "" {
		bu, err := b.meta.GetBundle(ctx, t.Context, t.Repo, t.Bundle)
		return bu, err == nil, mapErr(err, gateway.ErrNoSuchBucket)
	}
	l, err := b.meta.GetLabel(ctx, t.Context, t.Repo, t.label())
	if errors.Is(err, model.ErrNotFound) {
		return model.Bundle{}, false, nil
	}
	if err != nil {
		return model.Bundle{}, false, err
	}
	// The label was read linearizably, so its bundle is applied locally: a
	// stale read of the (immutable) bundle saves a read-index round.
	bu, err := b.meta.GetBundle(raftmeta.WithStale(ctx), t.Context, t.Repo, l.BundleID)
	if err != nil {
		return model.Bundle{}, false, err
	}
	return bu, true, nil
}

// reader opens a bundle's manifest.
func (b *Backend) reader(ctx context.Context, bu model.Bundle) (*manifest.Reader, error) {
	return manifest.Open(ctx, b.pages.getter(b.chunks), bu.ManifestRoot)
}

// pageCache caches manifest pages (immutable, content-addressed) by ID.
type pageCache struct {
	mu    sync.Mutex
	max   int
	pages map[chunk.ID][]byte
	order []chunk.ID // FIFO eviction
}

func newPageCache(n int) *pageCache { return &pageCache{max: n, pages: map[chunk.ID][]byte{}} }

type cachedGetter struct {
	c      *pageCache
	chunks Chunks
}

func (c *pageCache) getter(ch Chunks) cachedGetter { return cachedGetter{c: c, chunks: ch} }

func (g cachedGetter) GetChunk(ctx context.Context, id chunk.ID) ([]byte, error) {
	g.c.mu.Lock()
	p, ok := g.c.pages[id]
	g.c.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err := g.chunks.Get(ctx, id)
	if err != nil || g.c.max == 0 {
		return p, err
	}
	g.c.mu.Lock()
	defer g.c.mu.Unlock()
	if _, ok := g.c.pages[id]; !ok {
		g.c.pages[id] = p
		g.c.order = append(g.c.order, id)
		if len(g.c.order) > g.c.max {
			delete(g.c.pages, g.c.order[0])
			g.c.order = g.c.order[1:]
		}
	}
	return p, nil
}

// putter stores manifest pages through the chunk service.
type putter struct{ chunks Chunks }

func (p putter) PutChunk(ctx context.Context, data []byte) (chunk.ID, error) {
	return p.chunks.Put(ctx, data)
}
