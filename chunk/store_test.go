package chunk_test

import (
	"bytes"
	"context"
	"errors"
	"math/rand"
	"sync"
	"sync/atomic"
	"testing"
	"testing/iotest"

	"github.com/datamon-io/datamon/chunk"
)

func storeCfg() chunk.ChunkerConfig {
	return chunk.ChunkerConfig{Min: 1 << 10, Avg: 4 << 10, Max: 16 << 10}
}

func TestStoreStreamPiecesInOrderAndBounded(t *testing.T) {
	data := make([]byte, 1<<20)
	rand.New(rand.NewSource(1)).Read(data)
	var (
		mu       sync.Mutex
		got      = map[chunk.ID][]byte{}
		inFlight atomic.Int32
		peak     atomic.Int32
	)
	put := func(_ context.Context, id chunk.ID, d []byte) (bool, error) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		mu.Lock()
		defer mu.Unlock()
		_, had := got[id]
		got[id] = d
		return !had, nil
	}
	pieces, sent, err := chunk.StoreStream(context.Background(), bytes.NewReader(append(data, data...)), storeCfg(), 3, 0, put)
	if err != nil {
		t.Fatal(err)
	}
	var back []byte
	for _, p := range pieces {
		d := got[p.ID]
		if int(p.Size) != len(d) || chunk.Sum(d) != p.ID {
			t.Fatalf("piece %s: size %d, stored %d bytes", p.ID, p.Size, len(d))
		}
		back = append(back, d...)
	}
	if !bytes.Equal(back, append(data, data...)) {
		t.Fatal("pieces do not reassemble the stream")
	}
	if sent != len(got) || sent >= len(pieces) {
		t.Fatalf("sent %d, distinct %d, pieces %d: the repeated half must dedupe", sent, len(got), len(pieces))
	}
	if p := peak.Load(); p > 3 {
		t.Fatalf("%d puts in flight, limit 3", p)
	}
}

func TestStoreStreamFailures(t *testing.T) {
	data := make([]byte, 256<<10)
	rand.New(rand.NewSource(2)).Read(data)
	ok := func(context.Context, chunk.ID, []byte) (bool, error) { return true, nil }
	boom := errors.New("boom")
	if _, _, err := chunk.StoreStream(context.Background(), iotest.ErrReader(boom), storeCfg(), 2, 0, ok); !errors.Is(err, chunk.ErrRead) || !errors.Is(err, boom) {
		t.Errorf("reader error: %v", err)
	}
	if _, _, err := chunk.StoreStream(context.Background(), bytes.NewReader(data), storeCfg(), 2, 3, ok); !errors.Is(err, chunk.ErrTooManyChunks) {
		t.Errorf("chunk limit: %v", err)
	}
	fail := func(context.Context, chunk.ID, []byte) (bool, error) { return false, boom }
	if p, _, err := chunk.StoreStream(context.Background(), bytes.NewReader(data), storeCfg(), 2, 0, fail); !errors.Is(err, boom) || p != nil {
		t.Errorf("put error: %v, pieces %d", err, len(p))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := chunk.StoreStream(ctx, bytes.NewReader(data), storeCfg(), 1, 0, ok); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
