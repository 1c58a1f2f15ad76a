package shard

import (
	"bytes"
	"errors"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/datamon-io/datamon/chunk"
)

func FuzzDecodeIndexValue(f *testing.F) {
	f.Add(encodeIndexValue(indexEntry{seq: 7, info: Info{Size: 1 << 20, K: 4, M: 2, ChunkLen: 4 << 20}}))
	f.Add([]byte{})
	f.Add([]byte{indexVersion})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decodeIndexValue(b)
		if err != nil {
			if !errors.Is(err, ErrBadKey) {
				t.Fatalf("error %v does not wrap ErrBadKey", err)
			}
			return
		}
		if again := encodeIndexValue(e); !bytes.Equal(again, b) {
			t.Fatalf("round trip %x → %+v → %x", b, e, again)
		}
	})
}

func FuzzParseKeys(f *testing.F) {
	f.Add(indexKey(Key{chunk.Sum([]byte("a")), 3}))
	f.Add(dataKey(1 << 40))
	f.Add([]byte("i"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if k, err := parseIndexKey(b); err == nil {
			if !bytes.Equal(indexKey(k), b) {
				t.Fatalf("index key round trip %x", b)
			}
		} else if !errors.Is(err, ErrBadKey) {
			t.Fatal(err)
		}
		if seq, err := parseDataKey(b); err == nil {
			if !bytes.Equal(dataKey(seq), b) {
				t.Fatalf("data key round trip %x", b)
			}
		} else if !errors.Is(err, ErrBadKey) {
			t.Fatal(err)
		}
	})
}

// FuzzStorePut feeds arbitrary bytes to Put: it must reject them or store
// them such that Get returns exactly them.
func FuzzStorePut(f *testing.F) {
	_, shards := encodeChunk(f, []byte("fuzz seed chunk"))
	f.Add(shards[0], uint8(0))
	f.Add(shards[5][:20], uint8(5))
	s, err := Open(StoreConfig{Dir: "db", FS: memFS()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	id := chunk.Sum([]byte("fuzz seed chunk"))
	f.Fuzz(func(t *testing.T, b []byte, idx uint8) {
		k := Key{id, idx}
		if err := s.Put(t.Context(), k, b); err != nil {
			if !errors.Is(err, ErrBadShard) {
				t.Fatal(err)
			}
			return
		}
		got, err := s.Get(t.Context(), k)
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("get after put: %v", err)
		}
	})
}

func memFS() vfs.FS { return vfs.NewMem() }
