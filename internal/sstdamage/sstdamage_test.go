package sstdamage

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/erasure"
	"github.com/datamon-io/datamon/shard"
)

// storeOfTables writes n chunks' shards (one PutBatch, hence one data
// table, per chunk) into a closed store and returns their bytes.
func storeOfTables(t *testing.T, dir string, n int) map[shard.Key][]byte {
	t.Helper()
	ctx := context.Background()
	st, err := shard.Open(shard.StoreConfig{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	codec, err := erasure.New(4, 2)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	want := map[shard.Key][]byte{}
	for range n {
		data := make([]byte, 48<<10) // 12 KiB shards: two or three per 32 KiB data block
		for j := range data {
			data[j] = byte(r.Uint32())
		}
		id := chunk.Sum(data)
		shards, err := codec.Encode(id, data)
		if err != nil {
			t.Fatal(err)
		}
		keys := make([]shard.Key, len(shards))
		for j := range shards {
			keys[j] = shard.Key{Chunk: id, Index: uint8(j)}
			want[keys[j]] = shards[j]
		}
		if err := st.PutBatch(ctx, keys, shards); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return want
}

func keyOf(t *testing.T, hexKey string) shard.Key {
	t.Helper()
	b, err := hex.DecodeString(hexKey)
	if err != nil || len(b) != chunk.IDSize+1 {
		t.Fatalf("index key %q: %v", hexKey, err)
	}
	var k shard.Key
	copy(k.Chunk[:], b)
	k.Index = b[chunk.IDSize]
	return k
}

// TestInspectAndDamage: Inspect assigns every shard to its data table;
// after a flipped data block, a flipped index block and a truncated file,
// Unreadable names exactly the shards the reopened store cannot serve, and
// the store reports exactly the shards of the unopenable tables as lost.
func TestInspectAndDamage(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shards")
	want := storeOfTables(t, dir, 12)
	tables, err := Inspect(dir)
	if err != nil {
		t.Fatal(err)
	}
	var data []Table
	held := 0
	for _, tb := range tables {
		if tb.DataOnly {
			data = append(data, tb)
			held += len(tb.Shards)
		}
	}
	// Usually one table per batch; a busy machine's flush timing can split
	// one, so the count is a floor. Every shard must be in exactly one.
	if len(data) < 9 || held != len(want) {
		t.Fatalf("%d data tables holding %d shards; want at least 9 holding %d", len(data), held, len(want))
	}
	rng := rand.New(rand.NewPCG(1, 1))
	flipped, idx, trunc := data[2], data[5], data[8]
	blocks, err := DataBlocks(flipped.Path)
	if err != nil || len(blocks) < 2 {
		t.Fatalf("%d data blocks in %s: %v", len(blocks), flipped.Path, err)
	}
	if err := Flip(flipped.Path, blocks[1], 1, rng); err != nil {
		t.Fatal(err)
	}
	ib, err := IndexBlock(idx.Path)
	if err != nil {
		t.Fatal(err)
	}
	if err := Flip(idx.Path, ib, 1, rng); err != nil {
		t.Fatal(err)
	}
	if _, err := Truncate(trunc.Path); err != nil {
		t.Fatal(err)
	}
	bad := map[shard.Key]bool{}
	lost := map[shard.Key]bool{}
	for _, tb := range []Table{flipped, idx, trunc} {
		var seqs []uint64
		bySeq := map[uint64]string{}
		for k, s := range tb.Shards {
			seqs, bySeq[s] = append(seqs, s), k
		}
		un, err := Unreadable(tb.Path, seqs)
		if err != nil {
			t.Fatal(err)
		}
		if tb.Path == flipped.Path && (len(un) == 0 || len(un) == len(seqs)) {
			t.Fatalf("one flipped block of %d: %d of %d shards unreadable", len(blocks), len(un), len(seqs))
		}
		if tb.Path != flipped.Path && len(un) != len(seqs) {
			t.Fatalf("%s: %d of %d shards unreadable, want all", tb.Path, len(un), len(seqs))
		}
		for _, s := range un {
			bad[keyOf(t, bySeq[s])] = true
			if tb.Path != flipped.Path {
				lost[keyOf(t, bySeq[s])] = true
			}
		}
	}

	st, err := shard.Open(shard.StoreConfig{Dir: dir})
	if err != nil {
		t.Fatalf("open after damage: %v", err)
	}
	defer st.Close()
	ctx := context.Background()
	ds, err := st.DamagedShards(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != len(lost) {
		t.Fatalf("store reports %d lost shards, want %d", len(ds), len(lost))
	}
	for _, d := range ds {
		if !d.Lost || !lost[d.Key] {
			t.Fatalf("store reports %s (lost %v)", d.Key, d.Lost)
		}
	}
	for k, w := range want {
		got, err := st.Get(ctx, k)
		switch {
		case bad[k] && !errors.Is(err, shard.ErrCorrupt):
			t.Fatalf("%s: Unreadable said unreadable, store says %v", k, err)
		case !bad[k] && (err != nil || !bytes.Equal(got, w)):
			t.Fatalf("%s: Unreadable said readable, store says %v", k, err)
		}
	}
}

// TestInspectMissingStore: a directory without a store is an error, not an
// empty listing.
func TestInspectMissingStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "none")
	if _, err := Inspect(dir); err == nil {
		t.Fatal("Inspect of a missing store succeeded")
	}
	if _, err := os.Stat(dir); err == nil {
		t.Fatal("Inspect created a store")
	}
}
