package peer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/datamon-io/datamon/shard"
)

func TestPutShardsBatch(t *testing.T) {
	store, mkShard := newTestStore(t)
	srv := NewServer(ServerConfig{Secret: testSecret, MaxBodySize: 64 << 10})
	srv.ServeShards(store)
	addr := startServer(t, srv)
	c := newClient(t, ClientConfig{Secret: testSecret, Timeout: 5 * time.Second})
	ctx := context.Background()

	var keys []shard.Key
	var shards [][]byte
	for i := range 30 {
		k, b := mkShard(t, []byte(fmt.Sprintf("batched %d", i)), uint8(i%3))
		keys, shards = append(keys, k), append(shards, b)
	}
	if err := c.PutShards(ctx, addr, keys, shards); err != nil {
		t.Fatal(err)
	}
	for i, k := range keys {
		got, err := c.GetShard(ctx, addr, k)
		if err != nil || !bytes.Equal(got, shards[i]) {
			t.Fatalf("get %d: %v", i, err)
		}
	}
	if err := c.PutShards(ctx, addr, nil, nil); err != nil {
		t.Fatalf("empty: %v", err)
	}

	// One shard whose bytes disagree with its key: 422, nothing stored.
	k1, b1 := mkShard(t, []byte("first of a bad batch"), 0)
	k2, _ := mkShard(t, []byte("second of a bad batch"), 1)
	_, b3 := mkShard(t, []byte("something else"), 1)
	if err := c.PutShards(ctx, addr, []shard.Key{k1, k2}, [][]byte{b1, b3}); !errors.Is(err, shard.ErrBadShard) {
		t.Fatalf("bad shard in batch: %v", err)
	}
	// Malformed bodies: 400, nothing stored.
	good := EncodeShardBatch([]shard.Key{k1}, [][]byte{b1})
	for name, body := range map[string][]byte{
		"empty":         nil,
		"short header":  good[:10],
		"short payload": good[:len(good)-1],
		"trailing byte": append(bytes.Clone(good), 7),
	} {
		if _, err := c.Call(ctx, addr, PathShardPutBatch, body); !errors.Is(err, ErrBadRequest) {
			t.Errorf("%s: %v, want ErrBadRequest", name, err)
		}
	}
	// Oversized body: refused by the transport (fasthttp answers 400 or
	// 413 depending on where it notices), nothing stored.
	k4, b4 := mkShard(t, bytes.Repeat([]byte("y"), 200<<10), 0)
	err := c.PutShards(ctx, addr, []shard.Key{k1, k4}, [][]byte{b1, b4})
	var se *StatusError
	if !errors.As(err, &se) || (se.Code != 413 && se.Code != 400) {
		t.Fatalf("oversized batch: %v", err)
	}
	has, err := c.HasShards(ctx, addr, []shard.Key{k1, k2, k4})
	if err != nil || fmt.Sprint(has) != "[false false false]" {
		t.Fatalf("rejected batches stored shards: %v %v", has, err)
	}
	// Mismatched arguments never reach the wire.
	if err := c.PutShards(ctx, addr, []shard.Key{k1}, nil); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("mismatched args: %v", err)
	}
}

func FuzzDecodeShardBatch(f *testing.F) {
	var k shard.Key
	k.Chunk[0], k.Index = 1, 2
	f.Add(EncodeShardBatch([]shard.Key{k, k}, [][]byte{[]byte("ab"), nil}))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		keys, shards, err := DecodeShardBatch(b)
		if err != nil {
			if !errors.Is(err, ErrBadRequest) {
				t.Fatalf("error %v does not wrap ErrBadRequest", err)
			}
			return
		}
		if !bytes.Equal(EncodeShardBatch(keys, shards), b) {
			t.Fatal("decode/encode does not round-trip")
		}
	})
}
