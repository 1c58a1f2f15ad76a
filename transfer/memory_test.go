package transfer

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/manifest"
)

const genBlock = 64 << 10

// genAt fills p with the pseudo-random content at offset off of an endless
// stream made of independently seeded 64 KiB blocks (so any range can be
// regenerated without the rest).
func genAt(p []byte, off int64) {
	for len(p) > 0 {
		blk, in := off/genBlock, int(off%genBlock)
		var seed [32]byte
		binary.LittleEndian.PutUint64(seed[:], uint64(blk))
		var buf [genBlock]byte
		_, _ = rand.NewChaCha8(seed).Read(buf[:])
		n := copy(p, buf[in:])
		p, off = p[n:], off+int64(n)
	}
}

// genReader yields the first n bytes of that stream without holding them.
type genReader struct{ off, n int64 }

func (g *genReader) Read(p []byte) (int, error) {
	if g.off >= g.n {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), g.n-g.off)]
	genAt(p, g.off)
	g.off += int64(len(p))
	return len(p), nil
}

// genStore serves chunks of the generated stream from their offsets.
type genStore struct {
	memStore
	at map[chunk.ID][2]int64 // offset, size
}

func (s *genStore) GetChunk(ctx context.Context, id chunk.ID) ([]byte, error) {
	if loc, ok := s.at[id]; ok {
		b := make([]byte, loc[1])
		genAt(b, loc[0])
		return b, nil
	}
	return s.memStore.GetChunk(ctx, id)
}

// heapPeak samples HeapInuse until stop is called, which returns the peak.
func heapPeak() (stop func() uint64) {
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() uint64 { close(done); wg.Wait(); return peak.Load() }
}

// TestMemoryBound streams 1 GiB through the upload chunk pipeline (chunker,
// Has batches, put workers) into a store that keeps only IDs, then downloads
// the first 256 MiB of it as one file (to disk; kept small for the shared
// machine), sampling the heap: both must stay within Concurrency × chunker
// buffer + MaxInFlight (+ slack for garbage not yet collected), far below
// the data size.
func TestMemoryBound(t *testing.T) {
	const upSize, downSize = 1 << 30, 256 << 20
	st := &genStore{memStore: memStore{m: map[chunk.ID][]byte{}, discard: true}, at: map[chunk.ID][2]int64{}}
	cfg := Config{Concurrency: 8}.withDefaults()
	limit := uint64(cfg.Concurrency*2*cfg.Chunker.Max) + uint64(cfg.MaxInFlight) + 64<<20
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fail := &firstErr{cancel: cancel}
	snd := newSender(ctx, cfg, retrying{s: st, cfg: cfg}, fail, newTracker("upload", cfg))
	stop := heapPeak()
	start := time.Now()
	refs, err := snd.send(ctx, "big", &genReader{n: upSize})
	snd.wait(ctx)
	peak := stop()
	if err != nil || fail.get() != nil {
		t.Fatal(err, fail.get())
	}
	if st.putBytes.Load() != upSize {
		t.Fatalf("stored %d of %d bytes", st.putBytes.Load(), upSize)
	}
	t.Logf("upload 1 GiB: %v, %d chunks, heap peak %d MiB (bound %d MiB)", time.Since(start).Round(time.Millisecond), len(refs), peak>>20, limit>>20)
	if peak > limit {
		t.Fatalf("upload heap peak %d MiB over the bound", peak>>20)
	}

	var off, size int64
	var file []manifest.ChunkRef
	for _, r := range refs {
		if size >= downSize {
			break
		}
		st.at[r.ID] = [2]int64{off, int64(r.Size)}
		file = append(file, r)
		off += int64(r.Size)
		size += int64(r.Size)
	}
	st.discard = false
	b := writeManifest(t, &st.memStore, manifest.Entry{Path: "big", Type: manifest.File, Size: size, Mode: 0o644, Chunks: file})
	dst := filepath.Join(t.TempDir(), "d")
	stop = heapPeak()
	start = time.Now()
	_, err = Download(context.Background(), st, DownloadOptions{Bundle: b, Destination: dst, Config: cfg})
	peak = stop()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("download %d MiB: %v, heap peak %d MiB", size>>20, time.Since(start).Round(time.Millisecond), peak>>20)
	if peak > limit {
		t.Fatalf("download heap peak %d MiB over the bound", peak>>20)
	}
	h, err := localHash(cfg, filepath.Join(dst, "big"))
	if want := ContentHash(manifest.Entry{Type: manifest.File, Chunks: file}); err != nil || h != want {
		t.Fatal(fmt.Errorf("downloaded content hash %s, want %s: %v", h, want, err))
	}
}
