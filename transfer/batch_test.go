package transfer

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
)

// batchStore is memStore with PutChunks; it counts calls and fails the first
// attempt of every batch when flaky (the batch is retried whole).
type batchStore struct {
	*memStore
	batches, batchChunks atomic.Int64
	maxBatch             atomic.Int64
	failFirstBatch       bool
	failed               atomic.Int64
	noRoute              bool // answers like a server without the batch route
}

func (s *batchStore) PutChunks(ctx context.Context, data [][]byte) ([]chunk.ID, error) {
	if s.noRoute {
		return nil, fmt.Errorf("unsigned payload not allowed on this route: %w", model.ErrUnauthenticated)
	}
	if s.failFirstBatch && s.failed.Add(1) == 1 {
		return nil, errTransient
	}
	s.batches.Add(1)
	s.batchChunks.Add(int64(len(data)))
	if n := int64(len(data)); n > s.maxBatch.Load() {
		s.maxBatch.Store(n)
	}
	ids := make([]chunk.ID, len(data))
	for i, d := range data {
		var err error
		if ids[i], err = s.memStore.PutChunk(ctx, d); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// TestSmallFilesBatched: small files go out in shared batches (far fewer
// calls than files, none larger than HasBatch), big chunks one by one, and
// the tree round-trips; a failed batch is retried whole.
func TestSmallFilesBatched(t *testing.T) {
	src := t.TempDir()
	const n = 700
	for i := range n {
		writeTestFile(t, src, fmt.Sprintf("d%02d/f%04d", i%13, i), randBytes(uint64(i), 1+i%3000), 0o644)
	}
	writeTestFile(t, src, "big", randBytes(99, 3<<20), 0o644)
	setTimes(t, src)
	st := &batchStore{memStore: newMemStore(), failFirstBatch: true}
	com := &memCommitter{}
	cfg := Config{Concurrency: 4, HasBatch: 100, Backoff: 1, MaxBackoff: 1}
	b, stats := upload(t, st, com, UploadOptions{Path: src, Config: cfg})
	if stats.Files != n+1 {
		t.Fatalf("%d files uploaded", stats.Files)
	}
	if st.batchChunks.Load() < n || st.batches.Load() > n/50 || st.maxBatch.Load() > 100 {
		t.Fatalf("%d chunks in %d batches (largest %d): small files were not batched",
			st.batchChunks.Load(), st.batches.Load(), st.maxBatch.Load())
	}
	dst := filepath.Join(t.TempDir(), "d")
	if _, err := Download(context.Background(), st, DownloadOptions{Bundle: b, Destination: dst, Config: Config{Concurrency: 4}}); err != nil {
		t.Fatal(err)
	}
	sameTree(t, src, dst)

	// A second upload of the same tree sends nothing.
	before := st.puts.Load()
	_, stats = upload(t, st, com, UploadOptions{Path: src, Config: cfg})
	if stats.ChunksNew != 0 || st.puts.Load() != before {
		t.Fatalf("re-upload sent %d chunks", stats.ChunksNew)
	}

	// Batching off: every chunk goes alone.
	st2 := &batchStore{memStore: newMemStore()}
	upload(t, st2, com, UploadOptions{Path: src, Config: Config{Concurrency: 4, SmallChunk: -1}})
	if st2.batches.Load() != 0 {
		t.Fatalf("SmallChunk -1 still batched %d times", st2.batches.Load())
	}
}

// TestBatchesRefusedByOldServer: a store whose batch route answers 401 (a
// server from before POST /v1/chunks/batch) still gets every chunk, one by one.
func TestBatchesRefusedByOldServer(t *testing.T) {
	src := t.TempDir()
	for i := range 50 {
		writeTestFile(t, src, fmt.Sprintf("f%03d", i), randBytes(uint64(i), 1+i*10), 0o644)
	}
	setTimes(t, src)
	st := &batchStore{memStore: newMemStore(), noRoute: true}
	b, stats := upload(t, st, &memCommitter{}, UploadOptions{Path: src, Config: Config{Concurrency: 2, HasBatch: 16}})
	if stats.Files != 50 || st.puts.Load() < 50 {
		t.Fatalf("%d files, %d chunks stored", stats.Files, st.puts.Load())
	}
	dst := filepath.Join(t.TempDir(), "d")
	if _, err := Download(context.Background(), st, DownloadOptions{Bundle: b, Destination: dst}); err != nil {
		t.Fatal(err)
	}
	sameTree(t, src, dst)
}
