package shard

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/erasure"
)

// benchShard builds a valid shard with a 256 KiB payload for key number i
// (header and checksum via erasure; the chunk ID is i, not a content hash,
// which the store does not check).
func benchShard(c *erasure.Codec, payload []byte, i int) (Key, []byte, error) {
	var id chunk.ID
	for b := 0; b < 8; b++ {
		id[b] = byte(i >> (8 * b))
	}
	s, err := c.Encode(id, payload)
	if err != nil {
		return Key{}, nil, err
	}
	return Key{id, 0}, s[0], nil
}

// BenchmarkStorePut writes 256 KiB shards to a store on the real disk
// (SHARD_BENCH_DIR or the test temp dir) and reports MB/s, Pebble's write
// amplification (bytes Pebble wrote — WAL, flushes, compactions, ingested
// tables — over shard bytes acknowledged) and x-disk2: the store's rate
// over DiskWriteRate with 2 streams measured just before (the disk is
// shared, so only the ratio is comparable between runs).
// SHARD_BENCH_PAR overrides StoreConfig.Parallelism.
func BenchmarkStorePut(b *testing.B) {
	for _, g := range []int{1, 4, 16, 64} {
		b.Run(fmt.Sprintf("goroutines=%d", g), func(b *testing.B) {
			dir := b.TempDir()
			if d := os.Getenv("SHARD_BENCH_DIR"); d != "" {
				var err error
				if dir, err = os.MkdirTemp(d, "storebench"); err != nil {
					b.Fatal(err)
				}
				defer os.RemoveAll(dir)
			}
			codec, err := erasure.New(1, 0)
			if err != nil {
				b.Fatal(err)
			}
			payload := randBytes(rand.New(rand.NewPCG(1, 1)), 256<<10)
			_, first, err := benchShard(codec, payload, 0)
			if err != nil {
				b.Fatal(err)
			}
			var probe float64
			if b.N > 1 { // the disk is shared: measure its ceiling right now
				if probe, err = DiskWriteRate(context.Background(), dir, 128<<20, 2); err != nil {
					b.Fatal(err)
				}
			}
			par, _ := strconv.Atoi(os.Getenv("SHARD_BENCH_PAR"))
			s, err := Open(StoreConfig{Dir: dir, FS: vfs.Default, Parallelism: par})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			b.SetBytes(int64(len(first)))
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			for w := 0; w < g; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := int(next.Add(1) - 1)
						if i >= b.N {
							return
						}
						k, shard, err := benchShard(codec, payload, i)
						if err == nil {
							err = s.Put(ctx, k, shard)
						}
						if err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			m := s.db.Metrics()
			tot := m.Total()
			written := tot.TableBytesFlushed + tot.TableBytesCompacted + tot.BlobBytesFlushed + tot.BlobBytesCompacted
			user := float64(b.N) * float64(len(first))
			b.ReportMetric(float64(written)/user, "WA")
			st := s.Stats()
			b.ReportMetric(float64(st.Puts)/float64(st.Batches), "puts/batch")
			b.ReportMetric(float64(st.Puts)/float64(st.Commits), "puts/commit")
			if probe > 0 {
				b.ReportMetric(user/b.Elapsed().Seconds()/probe, "x-disk2")
			}
		})
	}
}

// TestDiskWriteRate checks the probe and logs the disk ceiling.
func TestDiskWriteRate(t *testing.T) {
	dir := t.TempDir()
	if d := os.Getenv("SHARD_BENCH_DIR"); d != "" {
		dir = d
	}
	size := int64(64 << 20)
	if mb, err := strconv.Atoi(os.Getenv("SHARD_PROBE_MB")); err == nil && mb > 0 {
		size = int64(mb) << 20
	}
	for _, streams := range []int{1, 2} {
		rate, err := DiskWriteRate(t.Context(), dir, size, streams)
		if err != nil {
			t.Fatal(err)
		}
		if rate <= 0 {
			t.Fatalf("rate %f", rate)
		}
		t.Logf("%d stream(s): %.0f MB/s", streams, rate/1e6)
	}
	if _, err := DiskWriteRate(t.Context(), dir, 0, 1); err == nil {
		t.Fatal("size 0 accepted")
	}
	if _, err := DiskWriteRate(t.Context(), dir+"/missing/dir", 1<<20, 1); err == nil {
		t.Fatal("missing dir accepted")
	}
}
