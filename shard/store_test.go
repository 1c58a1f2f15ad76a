package shard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/erasure"
	"github.com/datamon-io/datamon/model"
)

// encodeChunk returns the chunk ID and 4+2 shards of data.
func encodeChunk(t testing.TB, data []byte) (chunk.ID, [][]byte) {
	t.Helper()
	c, err := erasure.New(4, 2)
	if err != nil {
		t.Fatal(err)
	}
	id := chunk.Sum(data)
	shards, err := c.Encode(id, data)
	if err != nil {
		t.Fatal(err)
	}
	return id, shards
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func openT(t *testing.T, cfg StoreConfig) *Store {
	t.Helper()
	s, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStoreMem(t *testing.T) {
	storeSuite(t, func(t *testing.T) StoreConfig {
		return StoreConfig{Dir: "db", FS: vfs.NewMem()}
	})
}

// TestStoreMemSerial runs the suite with one batch in flight, no batching
// delay and tiny batches (every batch splits at the first shard).
func TestStoreMemSerial(t *testing.T) {
	storeSuite(t, func(t *testing.T) StoreConfig {
		return StoreConfig{Dir: "db", FS: vfs.NewMem(), Parallelism: 1, MaxBatchBytes: 1, QueueLen: 1}
	})
}

func TestStoreDisk(t *testing.T) {
	storeSuite(t, func(t *testing.T) StoreConfig {
		return StoreConfig{Dir: t.TempDir(), FS: vfs.Default}
	})
}

// storeSuite is the conformance suite; newCfg returns the config of a fresh
// store (reopening uses the same config).
func storeSuite(t *testing.T, newCfg func(t *testing.T) StoreConfig) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))

	t.Run("CRUD", func(t *testing.T) {
		s := openT(t, newCfg(t))
		defer s.Close()
		id, shards := encodeChunk(t, randBytes(r, 100_000))
		for i, b := range shards {
			if err := s.Put(ctx, Key{id, uint8(i)}, b); err != nil {
				t.Fatal(err)
			}
		}
		for i, b := range shards {
			k := Key{id, uint8(i)}
			got, err := s.Get(ctx, k)
			if err != nil || !bytes.Equal(got, b) {
				t.Fatalf("get %s: %v (equal %v)", k, err, bytes.Equal(got, b))
			}
			in, err := s.Stat(ctx, k)
			if err != nil || in.Size != len(b) || in.K != 4 || in.M != 2 || in.ChunkLen != 100_000 {
				t.Fatalf("stat %s: %+v %v", k, in, err)
			}
		}
		var sum uint64
		for _, b := range shards {
			sum += uint64(len(b))
		}
		if st := s.Stats(); st.IngestedBytes != sum || st.Puts != 6 {
			t.Fatalf("stats %+v, want %d ingested bytes", st, sum)
		}
		other := Key{chunk.Sum([]byte("other")), 0}
		has, err := s.Has(ctx, []Key{{id, 0}, other, {id, 5}})
		if err != nil || fmt.Sprint(has) != "[true false true]" {
			t.Fatalf("has: %v %v", has, err)
		}
		if _, err := s.Get(ctx, other); !errors.Is(err, ErrNotFound) || !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("get missing: %v", err)
		}
		if _, err := s.Stat(ctx, other); !errors.Is(err, ErrNotFound) {
			t.Fatalf("stat missing: %v", err)
		}
		// re-put is idempotent
		before := s.Stats()
		if err := s.Put(ctx, Key{id, 2}, shards[2]); err != nil {
			t.Fatal(err)
		}
		after := s.Stats()
		if after.Shards != 6 || after.IngestedBytes != before.IngestedBytes || after.Bytes != before.Bytes {
			t.Fatalf("re-put changed stats: %+v → %+v", before, after)
		}
		if err := s.Delete(ctx, Key{id, 3}); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, Key{id, 3}); err != nil {
			t.Fatalf("second delete: %v", err)
		}
		if _, err := s.Get(ctx, Key{id, 3}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("get deleted: %v", err)
		}
		var keys []Key
		var total int64
		err = s.Iterate(ctx, func(k Key, in Info) error {
			keys = append(keys, k)
			total += int64(in.Size)
			return nil
		})
		if err != nil || fmt.Sprint(keys) != fmt.Sprint([]Key{{id, 0}, {id, 1}, {id, 2}, {id, 4}, {id, 5}}) {
			t.Fatalf("iterate: %v %v", keys, err)
		}
		st := s.Stats()
		if st.Shards != 5 || st.Bytes != total || st.Deletes != 1 || st.CorruptDetected != 0 {
			t.Fatalf("stats %+v, want 5 shards %d bytes", st, total)
		}
		stop := errors.New("stop")
		n := 0
		if err := s.Iterate(ctx, func(Key, Info) error { n++; return stop }); err != stop || n != 1 {
			t.Fatalf("iterate stop: %v after %d", err, n)
		}
	})

	t.Run("Reopen", func(t *testing.T) {
		cfg := newCfg(t)
		s := openT(t, cfg)
		want := map[Key][]byte{}
		for c := 0; c < 5; c++ {
			id, shards := encodeChunk(t, randBytes(r, 1000*(c+1)))
			for i, b := range shards {
				k := Key{id, uint8(i)}
				want[k] = b
				if err := s.Put(ctx, k, b); err != nil {
					t.Fatal(err)
				}
			}
		}
		var deleted Key
		for k := range want {
			deleted = k
			break
		}
		if err := s.Delete(ctx, deleted); err != nil {
			t.Fatal(err)
		}
		delete(want, deleted)
		st := s.Stats()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("second close: %v", err)
		}
		if err := s.Put(ctx, deleted, []byte("x")); err == nil {
			t.Fatal("put after close succeeded")
		}
		s = openT(t, cfg)
		defer s.Close()
		checkAll(t, s, want)
		if got := s.Stats(); got.Shards != st.Shards || got.Bytes != st.Bytes {
			t.Fatalf("stats after reopen %+v, before %+v", got, st)
		}
		// new puts after reopen keep working and do not clash with old data
		id, shards := encodeChunk(t, randBytes(r, 5000))
		for i, b := range shards {
			want[Key{id, uint8(i)}] = b
			if err := s.Put(ctx, Key{id, uint8(i)}, b); err != nil {
				t.Fatal(err)
			}
		}
		checkAll(t, s, want)
	})

	t.Run("Corrupt", func(t *testing.T) {
		s := openT(t, newCfg(t))
		defer s.Close()
		id, shards := encodeChunk(t, randBytes(r, 40_000))
		k := Key{id, 1}
		if err := s.Put(ctx, k, shards[1]); err != nil {
			t.Fatal(err)
		}
		e, err := s.lookup(k)
		if err != nil {
			t.Fatal(err)
		}
		bad := bytes.Clone(shards[1])
		bad[erasure.HeaderSize+17] ^= 0x40 // one payload bit
		if err := s.db.Set(dataKey(e.seq), bad, pebble.Sync); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, k)
		if !errors.Is(err, ErrCorrupt) || got != nil {
			t.Fatalf("get corrupt: %v, %d bytes", err, len(got))
		}
		if n := s.Stats().CorruptDetected; n != 1 {
			t.Fatalf("CorruptDetected = %d", n)
		}
		// a shard stored under the wrong key is corrupt too
		if err := s.db.Set(dataKey(e.seq), shards[2], pebble.Sync); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, k); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("get misplaced: %v", err)
		}
		// repair: putting the good bytes replaces the bad ones
		if err := s.Put(ctx, k, shards[1]); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Get(ctx, k); err != nil || !bytes.Equal(got, shards[1]) {
			t.Fatalf("after repair: %v", err)
		}
		if st := s.Stats(); st.Shards != 1 || st.CorruptDetected != 2 {
			t.Fatalf("stats after repair %+v", st)
		}
	})

	t.Run("RejectBadShards", func(t *testing.T) {
		s := openT(t, newCfg(t))
		defer s.Close()
		id, shards := encodeChunk(t, randBytes(r, 4096))
		for name, tc := range map[string]struct {
			k Key
			b []byte
		}{
			"truncated":   {Key{id, 0}, shards[0][:len(shards[0])-1]},
			"empty":       {Key{id, 0}, nil},
			"wrong-index": {Key{id, 1}, shards[0]},
			"wrong-chunk": {Key{chunk.Sum([]byte("x")), 0}, shards[0]},
			"flipped":     {Key{id, 0}, append(append([]byte{}, shards[0][:60]...), append([]byte{shards[0][60] ^ 1}, shards[0][61:]...)...)},
		} {
			if err := s.Put(ctx, tc.k, tc.b); !errors.Is(err, ErrBadShard) || !errors.Is(err, model.ErrInvalid) {
				t.Errorf("%s: %v", name, err)
			}
		}
		if st := s.Stats(); st.Shards != 0 || st.Batches != 0 {
			t.Fatalf("rejected puts wrote: %+v", st)
		}
	})

	t.Run("EmptyChunk", func(t *testing.T) {
		s := openT(t, newCfg(t))
		defer s.Close()
		id, shards := encodeChunk(t, nil)
		for i, b := range shards {
			if err := s.Put(ctx, Key{id, uint8(i)}, b); err != nil {
				t.Fatal(err)
			}
			got, err := s.Get(ctx, Key{id, uint8(i)})
			if err != nil || !bytes.Equal(got, b) {
				t.Fatalf("get %d: %v", i, err)
			}
			if in, _ := s.Stat(ctx, Key{id, uint8(i)}); in.ChunkLen != 0 || in.Size != erasure.Overhead {
				t.Fatalf("stat %+v", in)
			}
		}
	})

	t.Run("Concurrent16", func(t *testing.T) {
		s := openT(t, newCfg(t))
		defer s.Close()
		var mu sync.Mutex
		want := map[Key][]byte{}
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for g := 0; g < 16; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				rg := rand.New(rand.NewPCG(uint64(g), 9))
				for c := 0; c < 4; c++ {
					id, shards := encodeChunk(t, randBytes(rg, 20_000+rg.IntN(30_000)))
					for i, b := range shards {
						k := Key{id, uint8(i)}
						if err := s.Put(ctx, k, b); err != nil {
							errs <- err
							return
						}
						mu.Lock()
						want[k] = b
						mu.Unlock()
					}
					if c == 3 { // interleave deletes with other goroutines' puts
						k := Key{id, 0}
						if err := s.Delete(ctx, k); err != nil {
							errs <- err
							return
						}
						mu.Lock()
						delete(want, k)
						mu.Unlock()
					}
				}
			}(g)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		checkAll(t, s, want)
		st := s.Stats()
		t.Logf("stats %+v", st)
		m := s.db.Metrics()
		var l06 uint64
		for l := 0; l < 6; l++ {
			l06 += m.Levels[l].TablesIngested
		}
		if m.Levels[6].TablesIngested == 0 || l06 != 0 {
			t.Fatalf("ingested tables: L6 %d, L0-L5 %d; want all in L6", m.Levels[6].TablesIngested, l06)
		}
	})

	t.Run("OverwriteRace", func(t *testing.T) {
		s := openT(t, newCfg(t))
		defer s.Close()
		data := randBytes(r, 30_000)
		id, a := encodeChunk(t, data)
		c21, err := erasure.New(2, 1)
		if err != nil {
			t.Fatal(err)
		}
		b, err := c21.Encode(id, data) // same key, different valid bytes
		if err != nil {
			t.Fatal(err)
		}
		k := Key{id, 0}
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; i < 25; i++ {
					var err error
					switch (g + i) % 3 {
					case 0:
						err = s.Put(ctx, k, a[0])
					case 1:
						err = s.Put(ctx, k, b[0])
					default:
						err = s.Delete(ctx, k)
					}
					if err != nil {
						t.Error(err)
						return
					}
				}
			}(g)
		}
		wg.Wait()
		if err := s.Put(ctx, k, b[0]); err != nil {
			t.Fatal(err)
		}
		checkAll(t, s, map[Key][]byte{k: b[0]})
		if st := s.Stats(); st.Bytes != int64(len(b[0])) {
			t.Fatalf("stats %+v, want %d bytes", st, len(b[0]))
		}
	})

	t.Run("Context", func(t *testing.T) {
		s := openT(t, newCfg(t))
		defer s.Close()
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		id, shards := encodeChunk(t, []byte("abc"))
		if _, err := s.Get(cctx, Key{id, 0}); !errors.Is(err, context.Canceled) {
			t.Fatalf("get: %v", err)
		}
		if _, err := s.Has(cctx, []Key{{id, 0}}); !errors.Is(err, context.Canceled) {
			t.Fatalf("has: %v", err)
		}
		_ = shards
	})
}

// checkAll verifies that s holds exactly want.
func checkAll(t *testing.T, s *Store, want map[Key][]byte) {
	t.Helper()
	ctx := context.Background()
	for k, b := range want {
		got, err := s.Get(ctx, k)
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("get %s: %v (equal %v)", k, err, bytes.Equal(got, b))
		}
	}
	n := 0
	var prev *Key
	err := s.Iterate(ctx, func(k Key, in Info) error {
		if prev != nil && bytes.Compare(indexKey(*prev), indexKey(k)) >= 0 {
			return fmt.Errorf("out of order: %s after %s", k, prev)
		}
		kk := k
		prev = &kk
		if b, ok := want[k]; !ok || len(b) != in.Size {
			return fmt.Errorf("unexpected %s (%d bytes)", k, in.Size)
		}
		n++
		return nil
	})
	if err != nil || n != len(want) {
		t.Fatalf("iterate: %d of %d: %v", n, len(want), err)
	}
	if st := s.Stats(); st.Shards != int64(len(want)) {
		t.Fatalf("Stats().Shards = %d, want %d", st.Shards, len(want))
	}
}

func TestStoreConfig(t *testing.T) {
	if _, err := Open(StoreConfig{FS: vfs.NewMem()}); !errors.Is(err, ErrBadConfig) {
		t.Fatalf("empty dir: %v", err)
	}
	if _, err := Open(StoreConfig{Dir: "x", FS: vfs.NewMem(), MaxBatchBytes: -1}); !errors.Is(err, ErrBadConfig) {
		t.Fatalf("negative batch: %v", err)
	}
	if err := DefaultConfig().Validate(); !errors.Is(err, ErrBadConfig) {
		t.Fatalf("DefaultConfig without Dir validated: %v", err)
	}
}
