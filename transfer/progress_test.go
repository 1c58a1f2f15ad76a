package transfer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/datamon-io/datamon/chunk"
)

// gatedStore holds every put until open is closed: nothing is stored (or
// acknowledged) before then.
type gatedStore struct {
	*memStore
	open chan struct{}
}

func (g gatedStore) PutChunk(ctx context.Context, data []byte) (chunk.ID, error) {
	select {
	case <-g.open:
	case <-ctx.Done():
		return chunk.ID{}, ctx.Err()
	}
	return g.memStore.PutChunk(ctx, data)
}

// The upload bar counts a file and its bytes when the store has them, not
// when they were read or queued: while every put is held, progress shows 0
// of the files' bytes; once the puts are acknowledged it shows all of them.
func TestProgressCountsAcknowledgedPuts(t *testing.T) {
	src := t.TempDir()
	const files, size = 4, 300 << 10
	for i := range files {
		b := make([]byte, size)
		for j := range b {
			b[j] = byte(i*7 + j*13 + j/251)
		}
		if err := os.WriteFile(filepath.Join(src, fmt.Sprintf("f%d", i)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st := gatedStore{memStore: newMemStore(), open: make(chan struct{})}
	var mu sync.Mutex
	var snaps []Progress
	cfg := Config{Concurrency: 2, SmallChunk: 1, ProgressEvery: time.Millisecond, Progress: func(p Progress) {
		mu.Lock()
		snaps = append(snaps, p)
		mu.Unlock()
	}}
	errc := make(chan error, 1)
	go func() {
		_, _, err := Upload(context.Background(), st, &memCommitter{}, UploadOptions{Repo: "r", Path: src, Config: cfg})
		errc <- err
	}()
	// Wait until the upload has read (and queued) data while every put is held.
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(snaps)
		mu.Unlock()
		if n > 20 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	held := append([]Progress(nil), snaps...)
	mu.Unlock()
	for _, p := range held {
		if p.Bytes != 0 || p.Files != 0 {
			t.Fatalf("progress counted %d bytes, %d files before any put was acknowledged", p.Bytes, p.Files)
		}
	}
	close(st.open)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	last := snaps[len(snaps)-1]
	if !last.Done || last.Bytes != files*size || last.Files < files {
		t.Fatalf("final progress %+v, want %d bytes and %d files", last, files*size, files)
	}
}
