package shard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestPutBatch: a batch is durable as a whole (it survives a reopen), and a
// batch with one invalid shard stores nothing.
func TestPutBatch(t *testing.T) {
	ctx := context.Background()
	fs := vfs.NewMem()
	s := openT(t, StoreConfig{Dir: "db", FS: fs})
	var keys []Key
	var shards [][]byte
	for i := range 40 {
		id, sh := encodeChunk(t, []byte(fmt.Sprintf("batched chunk %d", i)))
		for j := range 2 {
			keys = append(keys, Key{Chunk: id, Index: uint8(j)})
			shards = append(shards, sh[j])
		}
	}
	if err := s.PutBatch(ctx, keys, shards); err != nil {
		t.Fatal(err)
	}
	if err := s.PutBatch(ctx, nil, nil); err != nil {
		t.Fatalf("empty batch: %v", err)
	}
	// Invalid: a shard under the wrong key, a corrupt shard, a length mismatch.
	badID, badSh := encodeChunk(t, []byte("never stored"))
	wrongKey := append([]Key{{Chunk: badID, Index: 0}}, keys[0])
	corrupt := bytes.Clone(badSh[1])
	corrupt[len(corrupt)/2] ^= 1
	for name, c := range map[string]struct {
		keys   []Key
		shards [][]byte
	}{
		"wrong key":    {[]Key{{Chunk: badID, Index: 0}, {Chunk: badID, Index: 2}}, [][]byte{badSh[0], badSh[1]}},
		"corrupt":      {[]Key{{Chunk: badID, Index: 0}, {Chunk: badID, Index: 1}}, [][]byte{badSh[0], corrupt}},
		"length":       {wrongKey, [][]byte{badSh[0]}},
		"corrupt only": {[]Key{{Chunk: badID, Index: 1}}, [][]byte{corrupt}},
	} {
		if err := s.PutBatch(ctx, c.keys, c.shards); !errors.Is(err, ErrBadShard) {
			t.Errorf("%s: %v, want ErrBadShard", name, err)
		}
	}
	has, err := s.Has(ctx, []Key{{Chunk: badID, Index: 0}, {Chunk: badID, Index: 1}, {Chunk: badID, Index: 2}})
	if err != nil || has[0] || has[1] || has[2] {
		t.Fatalf("invalid batches stored something: %v %v", has, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openT(t, StoreConfig{Dir: "db", FS: fs})
	defer s.Close()
	for i, k := range keys {
		got, err := s.Get(ctx, k)
		if err != nil || !bytes.Equal(got, shards[i]) {
			t.Fatalf("after reopen %s: %v", k, err)
		}
	}
	if st := s.Stats(); st.Shards != int64(len(keys)) {
		t.Fatalf("stats: %+v, want %d shards", st, len(keys))
	}
}
