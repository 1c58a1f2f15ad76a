package shard

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// faultFS injects errors (Pebble's errorfs) while on is set, into the ops
// that match.
func faultFS(base vfs.FS, on *atomic.Bool, match func(errorfs.Op) bool, err error) vfs.FS {
	return errorfs.Wrap(base, errorfs.InjectorFunc(func(op errorfs.Op) error {
		if on.Load() && match(op) {
			return err
		}
		return nil
	}))
}

func putN(t *testing.T, s *Store, r *rand.Rand, n int) map[Key][]byte {
	t.Helper()
	out := map[Key][]byte{}
	for range n {
		id, sh := encodeChunk(t, randBytes(r, 8<<10))
		k := Key{Chunk: id, Index: 0}
		if err := s.Put(context.Background(), k, sh[0]); err != nil {
			t.Fatal(err)
		}
		out[k] = sh[0]
	}
	return out
}

// EIO on reads of sstables: every Get is the exact bytes or ErrCorrupt
// (the old store returned a plain I/O error, which callers did not treat
// as a shard to reconstruct elsewhere); once the disk reads again, all
// shards read back exactly.
func TestReadEIOIsCorrupt(t *testing.T) {
	var on atomic.Bool
	fs := faultFS(vfs.NewMem(), &on, func(op errorfs.Op) bool {
		return (op.Kind == errorfs.OpFileReadAt || op.Kind == errorfs.OpFileRead) && strings.HasSuffix(op.Path, ".sst")
	}, syscall.EIO)
	r := rand.New(rand.NewPCG(3, 3))
	s := openT(t, StoreConfig{Dir: "db", FS: fs})
	want := putN(t, s, r, 30)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openT(t, StoreConfig{Dir: "db", FS: fs, Cache: 1 << 10}) // cold cache: reads go to disk
	defer s.Close()
	ctx := context.Background()
	on.Store(true)
	bad := 0
	for k, w := range want {
		got, err := s.Get(ctx, k)
		switch {
		case errors.Is(err, ErrCorrupt):
			bad++
		case err != nil:
			t.Fatalf("%s under EIO: %v, want bytes or ErrCorrupt", k, err)
		case !bytes.Equal(got, w):
			t.Fatalf("%s under EIO: wrong bytes", k)
		}
	}
	if bad == 0 {
		t.Fatal("no read hit the injected EIO")
	}
	on.Store(false)
	for k, w := range want {
		if got, err := s.Get(ctx, k); err != nil || !bytes.Equal(got, w) {
			t.Fatalf("%s after EIO cleared: %v", k, err)
		}
	}
}

// A failed fsync of a staged sstable: that Put is not acknowledged, and
// every later Put fails with ErrSyncFailed even once fsync works again
// (fsyncgate: the old store resumed writes); reads are still served; after
// a reopen writes succeed and the failed shard is absent.
func TestFsyncFailureStopsWrites(t *testing.T) {
	var on atomic.Bool
	fs := faultFS(vfs.NewMem(), &on, func(op errorfs.Op) bool {
		k := op.Kind
		return (k == errorfs.OpFileSync || k == errorfs.OpFileSyncData || k == errorfs.OpFileSyncTo) && strings.Contains(op.Path, "ingest")
	}, syscall.EIO)
	r := rand.New(rand.NewPCG(4, 4))
	ctx := context.Background()
	s := openT(t, StoreConfig{Dir: "db", FS: fs})
	want := putN(t, s, r, 5)
	on.Store(true)
	id, sh := encodeChunk(t, randBytes(r, 8<<10))
	lost := Key{Chunk: id, Index: 1}
	if err := s.Put(ctx, lost, sh[1]); !errors.Is(err, ErrSyncFailed) {
		t.Fatalf("put with failing fsync: %v, want ErrSyncFailed", err)
	}
	on.Store(false)
	if err := s.Put(ctx, Key{Chunk: id, Index: 2}, sh[2]); !errors.Is(err, ErrSyncFailed) {
		t.Fatalf("put after a failed fsync: %v, want ErrSyncFailed until reopened", err)
	}
	if _, err := s.Get(ctx, lost); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unacknowledged shard: %v, want ErrNotFound", err)
	}
	for k, w := range want {
		if got, err := s.Get(ctx, k); err != nil || !bytes.Equal(got, w) {
			t.Fatalf("%s after fsync failure: %v", k, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openT(t, StoreConfig{Dir: "db", FS: fs})
	defer s.Close()
	if err := s.Put(ctx, lost, sh[1]); err != nil {
		t.Fatalf("put after reopen: %v", err)
	}
	for k, w := range want {
		if got, err := s.Get(ctx, k); err != nil || !bytes.Equal(got, w) {
			t.Fatalf("%s after reopen: %v", k, err)
		}
	}
}

// shortFS makes writes of staged sstables short (half the bytes and
// io.ErrShortWrite) while on is set.
type shortFS struct {
	vfs.FS
	on *atomic.Bool
}

func (f shortFS) Create(name string, cat vfs.DiskWriteCategory) (vfs.File, error) {
	fh, err := f.FS.Create(name, cat)
	if err != nil || !strings.Contains(name, "ingest") {
		return fh, err
	}
	return shortFile{File: fh, on: f.on}, nil
}

type shortFile struct {
	vfs.File
	on *atomic.Bool
}

func (f shortFile) Write(p []byte) (int, error) {
	if f.on.Load() && len(p) > 1 {
		n, _ := f.File.Write(p[:len(p)/2])
		return n, io.ErrShortWrite
	}
	return f.File.Write(p)
}

// A short write of a staged sstable fails that Put (not acknowledged, not
// readable); it is not an fsync failure, so writes resume at once and a
// reopen finds every acknowledged shard.
func TestShortWriteFailsPut(t *testing.T) {
	var on atomic.Bool
	fs := shortFS{FS: vfs.NewMem(), on: &on}
	r := rand.New(rand.NewPCG(5, 5))
	ctx := context.Background()
	s := openT(t, StoreConfig{Dir: "db", FS: fs})
	want := putN(t, s, r, 5)
	on.Store(true)
	id, sh := encodeChunk(t, randBytes(r, 8<<10))
	k := Key{Chunk: id, Index: 0}
	if err := s.Put(ctx, k, sh[0]); err == nil || errors.Is(err, ErrSyncFailed) {
		t.Fatalf("put with a short write: %v, want a write error", err)
	}
	if _, err := s.Get(ctx, k); !errors.Is(err, ErrNotFound) {
		t.Fatalf("shard of a short write: %v, want ErrNotFound", err)
	}
	on.Store(false)
	for k, w := range putN(t, s, r, 3) {
		want[k] = w
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openT(t, StoreConfig{Dir: "db", FS: fs})
	defer s.Close()
	for k, w := range want {
		if got, err := s.Get(ctx, k); err != nil || !bytes.Equal(got, w) {
			t.Fatalf("%s after reopen: %v", k, err)
		}
	}
}

// Renames (and links) failing: Open fails with an error, never a panic,
// and loses nothing; Puts while they fail are acknowledged only when
// durable: after the fault clears, a reopen finds every acknowledged shard.
func TestRenameFailures(t *testing.T) {
	var on atomic.Bool
	fs := faultFS(vfs.NewMem(), &on, func(op errorfs.Op) bool {
		return op.Kind == errorfs.OpRename || op.Kind == errorfs.OpLink
	}, syscall.EIO)
	r := rand.New(rand.NewPCG(6, 6))
	ctx := context.Background()
	s := openT(t, StoreConfig{Dir: "db", FS: fs})
	want := putN(t, s, r, 5)
	on.Store(true)
	acked := 0
	for range 10 {
		id, sh := encodeChunk(t, randBytes(r, 8<<10))
		k := Key{Chunk: id, Index: 0}
		if err := s.Put(ctx, k, sh[0]); err == nil {
			want[k] = sh[0]
			acked++
		}
	}
	t.Logf("%d of 10 puts acknowledged while renames and links fail", acked)
	if err := s.Close(); err != nil {
		t.Logf("close: %v", err)
	}
	if s2, err := Open(StoreConfig{Dir: "db", FS: fs}); err == nil {
		_ = s2.Close() // an Open that needs no rename may succeed
	} else {
		t.Logf("open while renames fail: %v", err)
	}
	on.Store(false)
	s = openT(t, StoreConfig{Dir: "db", FS: fs})
	defer s.Close()
	for k, w := range want {
		if got, err := s.Get(ctx, k); err != nil || !bytes.Equal(got, w) {
			t.Fatalf("%s after renames work again: %v", k, err)
		}
	}
}
