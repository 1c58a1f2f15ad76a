package shard

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestStoreCrash crash-clones the FS while Puts are in flight: every Put
// acknowledged before the clone must be readable after reopening the clone,
// and any other shard present must be intact.
func TestStoreCrash(t *testing.T) {
	ctx := context.Background()
	for _, pct := range []int{0, 50, 100} {
		fs := vfs.NewCrashableMem()
		s := openT(t, StoreConfig{Dir: "db", FS: fs})
		var mu sync.Mutex
		acked := map[Key][]byte{}
		all := map[Key][]byte{}
		var wg sync.WaitGroup
		crashAt := make(chan struct{})
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(g), uint64(pct)))
				for c := 0; ; c++ {
					id, shards := encodeChunk(t, randBytes(r, 10_000+r.IntN(20_000)))
					for i, b := range shards {
						k := Key{id, uint8(i)}
						mu.Lock()
						all[k] = b
						mu.Unlock()
						if err := s.Put(ctx, k, b); err != nil {
							if !errors.Is(err, ErrClosed) {
								t.Error(err)
							}
							return
						}
						mu.Lock()
						acked[k] = b
						mu.Unlock()
					}
					if c == 3 && g == 0 {
						close(crashAt)
					}
				}
			}(g)
		}
		<-crashAt
		mu.Lock()
		ackedAtCrash := make(map[Key][]byte, len(acked))
		for k, b := range acked {
			ackedAtCrash[k] = b
		}
		mu.Unlock()
		clone := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: pct, RNG: rand.New(rand.NewPCG(3, uint64(pct)))})
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		wg.Wait()

		s2 := openT(t, StoreConfig{Dir: "db", FS: clone})
		for k, b := range ackedAtCrash {
			got, err := s2.Get(ctx, k)
			if err != nil || !bytes.Equal(got, b) {
				t.Fatalf("pct %d: acknowledged %s lost: %v", pct, k, err)
			}
		}
		n := 0
		err := s2.Iterate(ctx, func(k Key, in Info) error {
			n++
			got, err := s2.Get(ctx, k)
			if err != nil {
				return err
			}
			if !bytes.Equal(got, all[k]) {
				t.Errorf("%s differs from what was put", k)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if s2.Stats().CorruptDetected != 0 || int64(n) != s2.Stats().Shards {
			t.Fatalf("pct %d: %d shards iterated, stats %+v", pct, n, s2.Stats())
		}
		t.Logf("pct %d: %d acknowledged at crash, %d present after", pct, len(ackedAtCrash), n)
		if err := s2.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestStoreOrphanData: data ingested by a batch whose index commit was lost
// is dropped at open and its sequence numbers are not reused for live data.
func TestStoreOrphanData(t *testing.T) {
	ctx := context.Background()
	fs := vfs.NewCrashableMem()
	s := openT(t, StoreConfig{Dir: "db", FS: fs})
	id, shards := encodeChunk(t, []byte("orphans"))
	if err := s.Put(ctx, Key{id, 0}, shards[0]); err != nil {
		t.Fatal(err)
	}
	e, err := s.lookup(Key{id, 0})
	if err != nil {
		t.Fatal(err)
	}
	// simulate a crash between ingest and index commit
	orphan := &job{writes: []*op{{req: &request{key: Key{id, 1}, data: shards[1]}, seq: e.seq + 1}}, path: "db/ingest/orphan.sst"}
	if err := s.buildTable(orphan); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Ingest(ctx, []string{orphan.path}); err != nil {
		t.Fatal(err)
	}
	clone := fs.CrashClone(vfs.CrashCloneCfg{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openT(t, StoreConfig{Dir: "db", FS: clone})
	defer s.Close()
	if _, _, err := s.db.Get(dataKey(e.seq + 1)); !errors.Is(err, pebble.ErrNotFound) {
		t.Fatalf("orphan data still present: %v", err)
	}
	if err := s.Put(ctx, Key{id, 2}, shards[2]); err != nil {
		t.Fatal(err)
	}
	e2, err := s.lookup(Key{id, 2})
	if err != nil || e2.seq <= e.seq+1 {
		t.Fatalf("new seq %d after orphan %d: %v", e2.seq, e.seq+1, err)
	}
	checkAll(t, s, map[Key][]byte{{id, 0}: shards[0], {id, 2}: shards[2]})
}
