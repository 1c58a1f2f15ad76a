package datamon

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/erasure"
	"github.com/datamon-io/datamon/shard"
)

// DamageSSTables flips raw bytes in data blocks of a stopped store's
// sstables: the store opens again (no panic), the shards in the damaged
// blocks read as ErrCorrupt — never wrong bytes — and the others are intact.
func TestDamageSSTablesFlipsDataBlocks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shards")
	ctx := context.Background()
	st, err := shard.Open(shard.StoreConfig{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	codec, err := erasure.New(2, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := map[shard.Key][]byte{}
	for i := range 24 {
		data := bytes.Repeat([]byte{byte(i), byte(i >> 8), 7}, 20<<10)
		id := chunk.Sum(data)
		shards, err := codec.Encode(id, data)
		if err != nil {
			t.Fatal(err)
		}
		k := shard.Key{Chunk: id, Index: 0}
		if err := st.Put(ctx, k, shards[0]); err != nil {
			t.Fatal(err)
		}
		want[k] = shards[0]
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	did, err := DamageSSTables(dir, SSTDamage{Files: 3, Flips: 10}, rand.New(rand.NewPCG(1, 2)))
	if err != nil || len(did) != 3 {
		t.Fatalf("damage: %v %v", did, err)
	}
	t.Log(did)
	st, err = shard.Open(shard.StoreConfig{Dir: dir})
	if err != nil {
		t.Fatalf("store does not open after data-block flips: %v", err)
	}
	defer st.Close()
	corrupt := 0
	for k, v := range want {
		got, err := st.Get(ctx, k)
		switch {
		case errors.Is(err, shard.ErrCorrupt):
			corrupt++
		case err != nil:
			t.Fatalf("get %s: %v", k, err)
		case !bytes.Equal(got, v):
			t.Fatalf("get %s: wrong bytes served", k)
		}
	}
	if corrupt < 1 || corrupt > 3 {
		t.Fatalf("%d shards corrupt after flipping one data block in each of 3 files, want 1..3", corrupt)
	}
}
