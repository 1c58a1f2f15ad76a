package peer

import (
	"syscall"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/erasure"
	"github.com/datamon-io/datamon/shard"
)

var errNoSpace = syscall.ENOSPC

// newTestStore opens a real shard.Store on an in-memory filesystem and
// returns it with a maker of valid erasure-coded shards (2+1).
func newTestStore(t *testing.T) (ShardStore, func(t *testing.T, data []byte, idx uint8) (shard.Key, []byte)) {
	t.Helper()
	st, err := shard.Open(shard.StoreConfig{Dir: "shards", FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	codec, err := erasure.New(2, 1)
	if err != nil {
		t.Fatal(err)
	}
	return st, func(t *testing.T, data []byte, idx uint8) (shard.Key, []byte) {
		t.Helper()
		id := chunk.Sum(data)
		shards, err := codec.Encode(id, data)
		if err != nil {
			t.Fatal(err)
		}
		return shard.Key{Chunk: id, Index: idx}, shards[idx]
	}
}
