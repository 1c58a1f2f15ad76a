package fusefs

import (
	"bytes"
	"context"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/datamon-io/datamon/manifest"
)

func TestFuseChunkCacheBoundedAndShared(t *testing.T) {
	st := &dirStore{dir: t.TempDir()}
	ctx := context.Background()
	var refs []manifest.ChunkRef
	var all []byte
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range 40 {
		b := make([]byte, 1<<20+i)
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		id, err := st.PutChunk(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, manifest.ChunkRef{ID: id, Size: uint32(len(b))})
		all = append(all, b...)
	}
	cfg := DefaultConfig()
	cfg.CacheSize, cfg.Prefetch = 8<<20, 2
	if err := cfg.Validate(); err == nil {
		t.Fatal("a cache smaller than (prefetch+2) x 4 MiB must be refused")
	}
	cfg.CacheSize = 16 << 20
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	c := NewChunkCache(cfg, st.GetChunk)
	defer c.Close()
	r := newFileReader(c, manifest.Entry{Chunks: refs}, cfg.Prefetch)
	// 8 concurrent sequential readers of the same file share fetches.
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var got []byte
			buf := make([]byte, 128<<10)
			for off := int64(0); ; {
				n, err := r.ReadAt(ctx, buf, off)
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					break
				}
				got = append(got, buf[:n]...)
				off += int64(n)
			}
			if !bytes.Equal(got, all) {
				t.Error("sequential read differs")
			}
		}()
	}
	wg.Wait()
	if n, used := c.Stats(); used > cfg.CacheSize || n == 0 {
		t.Errorf("cache holds %d chunks, %d bytes > %d", n, used, cfg.CacheSize)
	}
	t.Logf("%d chunk fetches for 8 readers x %d chunks", st.gets.Load(), len(refs))
	// Random reads across chunk boundaries.
	for range 200 {
		off := rng.IntN(len(all))
		buf := make([]byte, rng.IntN(3<<20)+1)
		n, err := r.ReadAt(ctx, buf, int64(off))
		if err != nil || n != min(len(buf), len(all)-off) || !bytes.Equal(buf[:n], all[off:off+n]) {
			t.Fatalf("ReadAt(%d, %d) = %d, %v", off, len(buf), n, err)
		}
	}
	// A chunk whose size disagrees with the manifest is an error.
	bad := manifest.ChunkRef{ID: refs[0].ID, Size: refs[0].Size + 1}
	c2 := NewChunkCache(cfg, st.GetChunk)
	defer c2.Close()
	if _, err := c2.Get(ctx, bad); err == nil {
		t.Error("size mismatch not detected")
	}
}
