package shard

import (
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// ErrSyncFailed: an fsync of the store's files failed. After a failed fsync
// the kernel may have dropped the dirty pages and cleared the error
// ("fsyncgate"): retrying the fsync can succeed without the data being on
// disk. The write that hit it is not acknowledged, and the store refuses
// every later write with this error until it is reopened (a restart, which
// re-reads what is really on disk). Reads keep being served.
var ErrSyncFailed = errors.New("shard: fsync failed; writes refused until the store is reopened")

// syncGate wraps the store's vfs.FS and trips on the first failed fsync of
// any file the store or Pebble writes.
type syncGate struct {
	vfs.FS
	err atomic.Pointer[error]
}

func (g *syncGate) trip(name string, err error) error {
	if err == nil {
		return nil
	}
	e := fmt.Errorf("%w: %s: %w", ErrSyncFailed, name, err)
	g.err.CompareAndSwap(nil, &e)
	return e
}

// failed returns the first fsync failure, or nil.
func (g *syncGate) failed() error {
	if p := g.err.Load(); p != nil {
		return *p
	}
	return nil
}

func (g *syncGate) Create(name string, cat vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := g.FS.Create(name, cat)
	if err != nil {
		return nil, err
	}
	return &gatedFile{File: f, g: g, name: name}, nil
}

func (g *syncGate) ReuseForWrite(oldname, newname string, cat vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := g.FS.ReuseForWrite(oldname, newname, cat)
	if err != nil {
		return nil, err
	}
	return &gatedFile{File: f, g: g, name: newname}, nil
}

func (g *syncGate) OpenReadWrite(name string, cat vfs.DiskWriteCategory, opts ...vfs.OpenOption) (vfs.File, error) {
	f, err := g.FS.OpenReadWrite(name, cat, opts...)
	if err != nil {
		return nil, err
	}
	return &gatedFile{File: f, g: g, name: name}, nil
}

func (g *syncGate) OpenDir(name string) (vfs.File, error) {
	f, err := g.FS.OpenDir(name)
	if err != nil {
		return nil, err
	}
	return &gatedFile{File: f, g: g, name: name}, nil
}

// Unwrap lets Pebble see the underlying FS (vfs.Root).
func (g *syncGate) Unwrap() vfs.FS { return g.FS }

type gatedFile struct {
	vfs.File
	g    *syncGate
	name string
}

func (f *gatedFile) Sync() error { return f.g.trip(f.name, f.File.Sync()) }

func (f *gatedFile) SyncData() error { return f.g.trip(f.name, f.File.SyncData()) }

func (f *gatedFile) SyncTo(length int64) (bool, error) {
	full, err := f.File.SyncTo(length)
	return full, f.g.trip(f.name, err)
}
