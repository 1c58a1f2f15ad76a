package shard

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// TestCorruptSSTableNoPanic flips raw bytes inside the shard sstables on
// disk (not through Pebble) and reopens the store: every read returns the
// exact bytes or ErrCorrupt, never a panic (the old store panicked through
// pebbleLogger.Fatalf) and never wrong bytes; the damaged files are listed.
func TestCorruptSSTableNoPanic(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	s := openT(t, StoreConfig{Dir: dir})
	want := map[Key][]byte{}
	for i := 0; i < 40; i++ {
		id, sh := encodeChunk(t, randBytes(r, 64<<10))
		for j, b := range sh {
			k := Key{Chunk: id, Index: uint8(j)}
			if err := s.Put(ctx, k, b); err != nil {
				t.Fatal(err)
			}
			want[k] = b
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ssts, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
	if len(ssts) == 0 {
		t.Fatal("no sstables written")
	}
	for _, p := range ssts {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for n := 0; n < 5; n++ {
			b[r.IntN(len(b)/2)] ^= 0xff // first half: data blocks
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s2 := openT(t, StoreConfig{Dir: dir})
	defer s2.Close()
	bad := 0
	for k, w := range want {
		got, err := s2.Get(ctx, k)
		switch {
		case errors.Is(err, ErrCorrupt):
			bad++
		case err != nil:
			t.Fatalf("%s: %v, want bytes or ErrCorrupt", k, err)
		case !bytes.Equal(got, w):
			t.Fatalf("%s: wrong bytes served", k)
		}
	}
	if bad == 0 {
		t.Fatal("no read reported corruption")
	}
	if len(s2.CorruptFiles()) == 0 || s2.Stats().CorruptFiles != uint64(len(s2.CorruptFiles())) {
		t.Fatal("no corrupt sstable recorded")
	}
	if s2.Stats().CorruptDetected != uint64(bad) {
		t.Fatalf("corrupt counter %d, want %d", s2.Stats().CorruptDetected, bad)
	}
}
