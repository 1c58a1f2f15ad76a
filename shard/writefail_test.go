package shard

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// fullFS fails the creation of staged sstables while full is set, as a
// full disk does (jepsen disk-full nemesis).
type fullFS struct {
	vfs.FS
	full atomic.Bool
}

func (f *fullFS) Create(name string, cat vfs.DiskWriteCategory) (vfs.File, error) {
	if f.full.Load() && strings.Contains(name, "ingest") {
		return nil, syscall.ENOSPC
	}
	return f.FS.Create(name, cat)
}

// A write that fails (ENOSPC) fails its batch and the batches planned on
// top of it; once space is back, writes succeed again without a reopen
// (the store used to refuse every write until restarted, leaving a node
// that had been full once unable to take repairs: jepsen
// datamon-membership-disk seed 7).
func TestWritesResumeAfterFailure(t *testing.T) {
	fs := &fullFS{FS: vfs.NewMem()}
	s := openT(t, StoreConfig{Dir: "db", FS: fs})
	defer s.Close()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	put := func() (Key, []byte, error) {
		id, shards := encodeChunk(t, randBytes(r, 4096))
		k := Key{Chunk: id, Index: 0}
		return k, shards[0], s.Put(ctx, k, shards[0])
	}
	if _, _, err := put(); err != nil {
		t.Fatal(err)
	}
	fs.full.Store(true)
	// Concurrent puts while full: all fail (none is acknowledged).
	var wg sync.WaitGroup
	var failed atomic.Int64
	var mu sync.Mutex
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mu.Lock()
			id, shards := encodeChunk(t, randBytes(r, 4096))
			mu.Unlock()
			if err := s.Put(ctx, Key{Chunk: id, Index: 1}, shards[1]); err != nil {
				failed.Add(1)
			}
		}()
	}
	wg.Wait()
	if failed.Load() != 16 {
		t.Fatalf("%d of 16 puts failed on a full disk", failed.Load())
	}
	fs.full.Store(false)
	var keys []Key
	var datas [][]byte
	for range 8 {
		k, d, err := put()
		if err != nil {
			t.Fatalf("put after space came back: %v", err)
		}
		keys, datas = append(keys, k), append(datas, d)
	}
	for i, k := range keys {
		got, err := s.Get(ctx, k)
		if err != nil || string(got) != string(datas[i]) {
			t.Fatalf("get %s after recovery: %v", k, err)
		}
	}
	if err := s.Close(); err != nil && !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
}
