//go:build (cgo && linux && fuse3) || (cgo && darwin) || windows

package fusefs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/datamon-io/datamon/manifest"
	"github.com/winfsp/cgofuse/fuse"
)

// rwFS is a copy-on-write overlay: the staging upper tree over an optional
// base bundle (see the package doc).
type rwFS struct {
	core
	s     *Staging
	store Store
	ns    sync.Mutex // serializes namespace changes and copy-ups
}

// MountReadWrite mounts the staging directory s (over its base bundle, if
// any) read-write at dir. Commit it after the mount ends.
func MountReadWrite(ctx context.Context, store Store, cfg Config, s *Staging, dir string) (*Mount, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	st := s.State()
	cache := NewChunkCache(cfg, store.GetChunk)
	var m *meta
	id := ""
	if st.Base != nil {
		r, err := manifest.Open(ctx, store, st.Base.ManifestRoot)
		if err != nil {
			return nil, fmt.Errorf("fusefs: open manifest of bundle %s: %w", st.Base.ID, err)
		}
		m, id = newMeta(r, cfg, st.Base.Timestamp), st.Base.ID+"+"
	}
	fsys := &rwFS{core: newCore(cfg, m, cache), s: s, store: store}
	return mount(ctx, cfg, fsys, cache, dir, mountOptions(cfg, false, st.Repo, id), false)
}

// kind of a path in the merged view.
type node struct {
	upper fs.FileInfo    // set when the upper layer has it
	base  manifest.Entry // valid when inBase
	inB   bool
}

func (n node) exists() bool { return n.upper != nil || n.inB }
func (n node) isDir() bool {
	if n.upper != nil {
		return n.upper.IsDir()
	}
	return n.inB && n.base.Type == manifest.Dir
}

// resolve looks p up: upper layer first, then the visible base.
func (f *rwFS) resolve(p string) (node, error) {
	fi, ok, err := f.s.lexists(p)
	if err != nil {
		return node{}, err
	}
	n := node{}
	if ok {
		n.upper = fi
	}
	if f.meta != nil && !f.s.hidden(p) {
		e, ok, err := f.meta.lookup(f.ctx, p)
		if err != nil {
			return node{}, err
		}
		n.base, n.inB = e, ok
	}
	if p == "" && n.upper == nil {
		n.base, n.inB = f.meta0(), true
	}
	return n, nil
}

func (f *rwFS) meta0() manifest.Entry {
	return manifest.Entry{Type: manifest.Dir, Mode: 0o755, MTime: time.Now().UnixNano()}
}

// ensureDir makes p a directory of the upper layer (p is one in the view).
func (f *rwFS) ensureDir(p string) error {
	if _, ok, err := f.s.lexists(p); err != nil || ok {
		return err
	}
	if err := f.ensureDir(parentOf(p)); err != nil {
		return err
	}
	n, err := f.resolve(p)
	if err != nil {
		return err
	}
	if !n.isDir() {
		return fs.ErrNotExist
	}
	mode := uint32(0o755)
	if n.base.Mode != 0 {
		mode = n.base.Mode
	}
	if err := os.Mkdir(f.s.upper(p), goMode(mode|0o700)); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return os.Chmod(f.s.upper(p), goMode(mode))
}

// copyUp brings a base file, symlink or directory (not its children) into
// the upper layer.
func (f *rwFS) copyUp(p string) error {
	n, err := f.resolve(p)
	if err != nil || n.upper != nil {
		return err
	}
	if !n.inB {
		return fs.ErrNotExist
	}
	if n.base.Type == manifest.Dir {
		return f.ensureDir(p)
	}
	if err := f.ensureDir(parentOf(p)); err != nil {
		return err
	}
	return f.s.materialize(f.ctx, f.store.GetChunk, n.base)
}

// copyUpTree copies up a directory and its visible base subtree, bounded
// by MaxCopyUp bytes.
func (f *rwFS) copyUpTree(p string) error {
	if err := f.ensureDir(p); err != nil {
		return err
	}
	if f.meta == nil {
		return nil
	}
	var total int64
	var dirs []dirMeta
	err := f.meta.r.Walk(f.ctx, p+"/", func(e manifest.Entry) error {
		if f.s.hidden(e.Path) {
			return nil
		}
		if _, ok, err := f.s.lexists(e.Path); err != nil || ok {
			return err
		}
		if total += e.Size; total > f.cfg.MaxCopyUp {
			return fmt.Errorf("%w: renaming %s needs more than %d bytes", ErrTooLarge, p, f.cfg.MaxCopyUp)
		}
		if e.Type == manifest.Dir {
			dirs = append(dirs, dirMeta{e.Path, e.Mode, e.MTime})
		}
		return f.s.materialize(f.ctx, f.store.GetChunk, e)
	})
	for i := len(dirs) - 1; i >= 0 && err == nil; i-- {
		err = os.Chmod(f.s.upper(dirs[i].path), goMode(dirs[i].mode))
	}
	return err
}

// emptyDir reports whether directory p has no visible children.
func (f *rwFS) emptyDir(p string, n node) (bool, error) {
	if n.upper != nil {
		es, err := os.ReadDir(f.s.upper(p))
		if err != nil || len(es) > 0 {
			return false, err
		}
	}
	if !n.inB {
		return true, nil
	}
	after := ""
	for {
		es, err := f.meta.list(f.ctx, p, after)
		if err != nil || len(es) == 0 {
			return err == nil, err
		}
		for _, e := range es {
			if !f.s.hidden(e.Path) {
				return false, nil
			}
		}
		after = manifest.ListKey(es[len(es)-1])
	}
}

// sysErr maps an OS error to a negative FUSE errno.
func sysErr(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, fs.ErrNotExist):
		return -fuse.ENOENT
	case errors.Is(err, fs.ErrExist):
		return -fuse.EEXIST
	case errors.Is(err, fs.ErrPermission):
		return -fuse.EACCES
	}
	if n, ok := osErrno(err); ok {
		return -n
	}
	return errno(err)
}

// rwFile is an open upper-layer file.
type rwFile struct{ f *os.File }
