//go:build (cgo && linux && fuse3) || (cgo && darwin) || windows

package fusefs

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/datamon-io/datamon/manifest"
	"github.com/winfsp/cgofuse/fuse"
)

// core is what both mount kinds share: the base bundle's metadata, the
// chunk cache and a table of open handles.
type core struct {
	fuse.FileSystemBase
	cfg   Config
	meta  *meta // nil: no base bundle
	cache *ChunkCache
	ctx   context.Context
	stop  context.CancelFunc // ends in-flight reads once the mount is gone
	ready chan struct{}
	once  sync.Once

	mu      sync.Mutex
	next    uint64
	handles map[uint64]any
}

func newCore(cfg Config, m *meta, cache *ChunkCache) core {
	ctx, stop := context.WithCancel(context.Background())
	return core{cfg: cfg, meta: m, cache: cache, ctx: ctx, stop: stop,
		ready: make(chan struct{}), handles: map[uint64]any{}}
}

// shutdown fails reads still waiting for the cluster (they answer EIO).
func (c *core) shutdown() {
	c.stop()
	c.cache.Close()
}

// Init is called by FUSE once the file system is mounted.
func (c *core) Init() { c.once.Do(func() { close(c.ready) }) }

func (c *core) readyChan() chan struct{} { return c.ready }

func (c *core) put(h any) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.next++
	c.handles[c.next] = h
	return c.next
}

func (c *core) handle(fh uint64) any {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.handles[fh]
}

func (c *core) drop(fh uint64) any {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := c.handles[fh]
	delete(c.handles, fh)
	return h
}

// rel turns a FUSE path ("/a/b") into a manifest path ("a/b").
func rel(path string) string {
	for len(path) > 0 && path[0] == '/' {
		path = path[1:]
	}
	return path
}

// errno maps an error to a negative FUSE error code.
func errno(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, manifest.ErrNotFound):
		return -fuse.ENOENT
	case errors.Is(err, ErrTooLarge):
		return -fuse.EFBIG
	}
	return -fuse.EIO
}

// fillStat describes a manifest entry.
func (c *core) fillStat(st *fuse.Stat_t, e manifest.Entry, path string) {
	*st = fuse.Stat_t{Ino: inode(path), Uid: c.cfg.Uid, Gid: c.cfg.Gid, Nlink: 1, Blksize: 1 << 16}
	perm := e.Mode & 0o7777
	switch e.Type {
	case manifest.Dir:
		if perm == 0 {
			perm = 0o755
		}
		st.Mode, st.Nlink = fuse.S_IFDIR|perm, 2
	case manifest.Symlink:
		st.Mode, st.Size = fuse.S_IFLNK|0o777, int64(len(e.Target))
	default:
		st.Mode, st.Size = fuse.S_IFREG|perm, e.Size
	}
	st.Blocks = (st.Size + 511) / 512
	t := fuse.NewTimespec(time.Unix(0, e.MTime))
	st.Atim, st.Mtim, st.Ctim, st.Birthtim = t, t, t, t
}

// baseAttr fills st for a base path.
func (c *core) baseAttr(path string, st *fuse.Stat_t) int {
	e, ok, err := c.meta.lookup(c.ctx, path)
	if err != nil {
		c.cfg.Logger.Warn("fusefs: lookup failed", "path", path, "err", err)
		return -fuse.EIO
	}
	if !ok {
		return -fuse.ENOENT
	}
	c.fillStat(st, e, path)
	return 0
}

// readBase serves a read from a base file handle.
func (c *core) readBase(r *fileReader, buff []byte, ofst int64) int {
	n, err := r.ReadAt(c.ctx, buff, ofst)
	if err != nil {
		c.cfg.Logger.Warn("fusefs: read failed", "err", err)
		return -fuse.EIO
	}
	return n
}

// Statfs reports a read-only-looking volume sized like the cache.
func (c *core) Statfs(path string, st *fuse.Statfs_t) int {
	*st = fuse.Statfs_t{Bsize: 4096, Frsize: 4096, Blocks: 1 << 30, Bfree: 1 << 29, Bavail: 1 << 29,
		Files: 1 << 30, Ffree: 1 << 29, Favail: 1 << 29, Namemax: 255}
	return 0
}
