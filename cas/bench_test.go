package cas

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/datamon-io/datamon/chunk"
)

// BenchmarkPut4MiB puts distinct 4 MiB chunks through an in-process 6-node,
// 3-site, 4+2 cluster (real Pebble stores on in-memory filesystems).
func BenchmarkPut4MiB(b *testing.B) {
	c := newCluster(b, 6, 3, p42)
	s := newService(b, c, testConfig())
	r := rand.New(rand.NewPCG(1, 1))
	data := randBytes(r, 4<<20)
	ctx := context.Background()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		// Change 8 bytes so every chunk is new (no dedup shortcut exists in Put anyway).
		data[i%len(data)]++
		if _, err := s.Put(ctx, data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGet4MiB reads 4 MiB chunks back (all data shards present: no
// reconstruction) through the same cluster.
func BenchmarkGet4MiB(b *testing.B) {
	benchGet(b, false)
}

// BenchmarkGet4MiBDegraded reads with one data-shard owner down, so every
// read reconstructs from parity.
func BenchmarkGet4MiBDegraded(b *testing.B) {
	benchGet(b, true)
}

func benchGet(b *testing.B, degraded bool) {
	c := newCluster(b, 6, 3, p42)
	s := newService(b, c, testConfig())
	r := rand.New(rand.NewPCG(2, 2))
	ctx := context.Background()
	var ids []chunk.ID
	for range 8 {
		id, err := s.Put(ctx, randBytes(r, 4<<20))
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, id)
	}
	if degraded {
		c.setDown(true, c.order[0])
	}
	b.SetBytes(4 << 20)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := s.Get(ctx, ids[i%len(ids)]); err != nil {
			b.Fatal(err)
		}
	}
}
