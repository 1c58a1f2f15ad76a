package node

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/erasure"
	"github.com/datamon-io/datamon/shard"
)

func TestParseFaultRules(t *testing.T) {
	globs, err := parseFaultRules([]byte("# faults\n\neio *.sst\n  eio 000012.sst  \n"))
	if err != nil || len(globs) != 2 || globs[0] != "*.sst" || globs[1] != "000012.sst" {
		t.Fatalf("parse: %v %v", globs, err)
	}
	for _, bad := range []string{"eio", "eio a b", "eiox *.sst", "fsync *.sst", "eio [", "eio dir/*.sst"} {
		if _, err := parseFaultRules([]byte(bad)); !errors.Is(err, ErrConfig) {
			t.Errorf("parse %q: %v, want ErrConfig", bad, err)
		}
	}
}

func FuzzParseFaultRules(f *testing.F) {
	for _, s := range []string{"", "eio *.sst", "# x\neio 0001*.sst\n", "eio [", "eio a b"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		globs, err := parseFaultRules(b)
		if err != nil {
			return
		}
		for _, g := range globs {
			if _, err := filepath.Match(g, "000001.sst"); err != nil {
				t.Fatalf("accepted bad glob %q", g)
			}
		}
	})
}

// The shard store on the fault FS: while the rules say "eio *.sst" a read
// of a shard fails (EIO or ErrCorrupt, never wrong bytes); once the rules
// are cleared the same read returns the stored bytes, without a restart.
func TestFaultFSEIOOnShardReads(t *testing.T) {
	dir := t.TempDir()
	rulesPath := filepath.Join(dir, "faults")
	rules := &faultRules{path: rulesPath, log: slog.New(slog.DiscardHandler)}
	fs := faultFS{FS: vfs.Default, rules: rules}
	open := func() *shard.Store {
		st, err := shard.Open(shard.StoreConfig{Dir: filepath.Join(dir, "shards"), FS: fs, Cache: 1}) // ~no block cache: reads reach the files
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	ctx := context.Background()
	st := open()
	var keys []shard.Key
	var vals [][]byte
	codec, err := erasure.New(2, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 16 {
		data := bytes.Repeat([]byte{byte(i + 1)}, 128<<10)
		id := chunk.Sum(data)
		shards, err := codec.Encode(id, data)
		if err != nil {
			t.Fatal(err)
		}
		k, v := shard.Key{Chunk: id, Index: 1}, shards[1]
		if err := st.Put(ctx, k, v); err != nil {
			t.Fatal(err)
		}
		keys, vals = append(keys, k), append(vals, v)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st = open() // empty block cache: reads go to the files
	defer st.Close()
	if err := os.WriteFile(rulesPath, []byte("eio *.sst\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rules.armed.Store(true) // after the write: the first check reads the rules
	failed := 0
	for i, k := range keys[:8] {
		got, err := st.Get(ctx, k)
		if err == nil {
			if !bytes.Equal(got, vals[i]) {
				t.Fatalf("shard %d: wrong bytes under EIO", i)
			}
			continue // a block cached at open
		}
		if !errors.Is(err, syscall.EIO) && !errors.Is(err, shard.ErrCorrupt) {
			t.Fatalf("shard %d under EIO: %v, want EIO or ErrCorrupt", i, err)
		}
		failed++
	}
	if failed == 0 || rules.injected.Load() == 0 {
		t.Fatalf("no read failed under eio *.sst (%d injected)", rules.injected.Load())
	}
	if err := os.WriteFile(rulesPath, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for i, k := range keys {
		for {
			got, err := st.Get(ctx, k)
			if err == nil {
				if !bytes.Equal(got, vals[i]) {
					t.Fatalf("shard %d: wrong bytes after the fault", i)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("shard %d still unreadable after the rules were cleared: %v", i, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
