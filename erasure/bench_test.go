package erasure

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

var benchCodes = []struct{ k, m int }{{2, 1}, {4, 2}, {8, 3}, {10, 4}}

func BenchmarkEncode(b *testing.B) {
	data := randBytes(rand.New(rand.NewPCG(1, 1)), 1<<20)
	for _, bc := range benchCodes {
		b.Run(fmt.Sprintf("%d+%d/1MiB", bc.k, bc.m), func(b *testing.B) {
			c, _ := New(bc.k, bc.m)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Encode(idOf(1), data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReconstruct loses the first m data shards (worst case: decode needed).
func BenchmarkReconstruct(b *testing.B) {
	data := randBytes(rand.New(rand.NewPCG(1, 1)), 1<<20)
	for _, bc := range benchCodes {
		b.Run(fmt.Sprintf("%d+%d/1MiB", bc.k, bc.m), func(b *testing.B) {
			c, _ := New(bc.k, bc.m)
			shards, _ := c.Encode(idOf(1), data)
			for i := range bc.m {
				shards[i] = nil
			}
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Reconstruct(shards); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
