package manifest

import (
	"context"
	"testing"
)

// BenchmarkWrite100k reports the cost of writing a 100k-entry manifest.
func BenchmarkWrite100k(b *testing.B) {
	entries := gridEntries()
	b.ReportAllocs()
	for b.Loop() {
		writeAll(b, newMemStore(), DefaultWriterConfig(), entries)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(entries)), "ns/entry")
}

func BenchmarkWalk100k(b *testing.B) {
	s := newMemStore()
	root := writeAll(b, s, DefaultWriterConfig(), gridEntries())
	r, _ := Open(context.Background(), s, root.ID)
	for b.Loop() {
		_ = r.Walk(context.Background(), "", func(Entry) error { return nil })
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100_000), "ns/entry")
}

func BenchmarkLookup(b *testing.B) {
	s := newMemStore()
	root := writeAll(b, s, DefaultWriterConfig(), gridEntries())
	r, _ := Open(context.Background(), s, root.ID)
	for b.Loop() {
		if _, err := r.Lookup(context.Background(), "d057/f0123"); err != nil {
			b.Fatal(err)
		}
	}
}
