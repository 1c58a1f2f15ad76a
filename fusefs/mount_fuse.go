//go:build (cgo && linux && fuse3) || (cgo && darwin) || windows

package fusefs

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/datamon-io/datamon/manifest"
	"github.com/datamon-io/datamon/model"
	"github.com/winfsp/cgofuse/fuse"
)

// Supported reports whether this build can mount.
const Supported = true

// Mount is a live FUSE mount.
type Mount struct {
	host    *fuse.FileSystemHost
	dir     string
	done    chan struct{}
	cache   *ChunkCache
	log     *slog.Logger
	fsys    mountable
	ended   chan struct{} // done, or the kernel mount gone for a grace period
	endOnce sync.Once

	mu  sync.Mutex
	err error
}

// mountable is a file system that reports when FUSE called Init.
type mountable interface {
	fuse.FileSystemInterface
	readyChan() chan struct{}
	shutdown()
}

// MountReadOnly mounts bundle b at dir, read-only.
func MountReadOnly(ctx context.Context, store Store, cfg Config, b model.Bundle, dir string) (*Mount, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	r, err := manifest.Open(ctx, store, b.ManifestRoot)
	if err != nil {
		return nil, fmt.Errorf("fusefs: open manifest of bundle %s: %w", b.ID, err)
	}
	cache := NewChunkCache(cfg, store.GetChunk)
	fsys := &roFS{core: newCore(cfg, newMeta(r, cfg, b.Timestamp), cache)}
	opts := mountOptions(cfg, true, b.Repo, b.ID)
	return mount(ctx, cfg, fsys, cache, dir, opts, true)
}

// mount serves fsys at dir; plus lets listings carry full attributes
// (readdirplus: `ls -l` needs no lookup per entry).
func mount(ctx context.Context, cfg Config, fsys mountable, cache *ChunkCache, dir string, opts []string, plus bool) (*Mount, error) {
	host := fuse.NewFileSystemHost(fsys)
	host.SetUseIno(true)
	host.SetCapReaddirPlus(plus)
	m := &Mount{host: host, dir: dir, done: make(chan struct{}), cache: cache, log: cfg.Logger, fsys: fsys, ended: make(chan struct{})}
	go func() {
		defer m.end()
		defer close(m.done)
		defer func() {
			if p := recover(); p != nil {
				m.setErr(fmt.Errorf("%w: %v\n%s", ErrNoFUSE, p, NoFUSEHelp))
			}
		}()
		if !host.Mount(dir, opts) {
			m.setErr(fmt.Errorf("%w: %s (is it an existing empty directory, and is /dev/fuse usable?)", ErrMount, dir))
		}
	}()
	select {
	case <-fsys.readyChan():
		m.watch(5 * time.Second)
		return m, nil
	case <-m.done:
		if cache != nil {
			cache.Close()
		}
		return nil, m.Err()
	case <-ctx.Done():
		_ = m.Unmount(context.Background())
		return nil, ctx.Err()
	}
}

func (m *Mount) setErr(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err == nil {
		m.err = err
	}
}

// Err returns why the mount failed (nil after a clean unmount).
func (m *Mount) Err() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err
}

// Dir returns the mount point.
func (m *Mount) Dir() string { return m.dir }

// Done is closed once the file system is unmounted (by Unmount, by
// `fusermount3 -u`, or by SIGINT/SIGTERM, which cgofuse turns into an
// unmount) — or once the kernel mount has been gone for a few seconds while
// the FUSE session lingers (a lazy unmount with files still open): then
// in-flight reads fail and the caller may exit; the kernel aborts the
// connection when the process ends.
func (m *Mount) Done() <-chan struct{} { return m.ended }

func (m *Mount) end() { m.endOnce.Do(func() { close(m.ended) }) }

// Unmount unmounts and waits until FUSE has stopped (or ctx ends).
func (m *Mount) Unmount(ctx context.Context) error {
	select {
	case <-m.ended:
		return m.Err()
	default:
	}
	m.host.Unmount()
	m.fsys.shutdown()
	select {
	case <-m.ended:
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(60 * time.Second):
		return fmt.Errorf("fusefs: unmount %s: timed out", m.dir)
	}
	if m.cache != nil {
		m.cache.Close()
	}
	return m.Err()
}

// fsName is the file system name shown by mount(8).
func fsName(repo, id string) string {
	r := strings.NewReplacer(",", "_", " ", "_")
	if id == "" {
		id = "new"
	}
	return r.Replace("datamon:" + repo + "@" + id)
}
