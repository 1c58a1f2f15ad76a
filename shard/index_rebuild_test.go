package shard

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/cockroachdb/pebble/v2"
)

// indexTables flushes the store's memtable and returns the live tables that
// are not data tables (index entries and the high-water mark).
func indexTables(t *testing.T) (*damageFixture, []string) {
	t.Helper()
	f := newDamageFixture(t, 60)
	s := openT(t, StoreConfig{Dir: f.dir})
	if err := s.db.Flush(); err != nil {
		t.Fatal(err)
	}
	levels, err := s.db.SSTables()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range levels {
		for _, ti := range l {
			if _, ok := indexPart(ti.Smallest.UserKey, ti.Largest.UserKey); ok {
				out = append(out, s.tablePath(uint64(ti.BackingSSTNum)))
			}
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no index table after a flush")
	}
	return f, out
}

func checkExact(t *testing.T, s *Store, want map[Key][]byte) {
	t.Helper()
	for k, w := range want {
		got, err := s.Get(context.Background(), k)
		if err != nil || !bytes.Equal(got, w) {
			t.Fatalf("%s: %v (want its exact bytes)", k, err)
		}
	}
	if st := s.Stats(); st.Shards != int64(len(want)) {
		t.Fatalf("store counts %d shards, want %d", st.Shards, len(want))
	}
}

// A flipped byte in a data block of the table holding the index: the old
// store served ErrCorrupt for every shard it named (and Pebble could never
// compact it). Open rebuilds the index from the shard data: every shard
// reads back exactly, nothing is reported lost, the table is quarantined,
// and a reopen finds nothing damaged.
func TestDamagedIndexTableRebuiltFromData(t *testing.T) {
	f, idx := indexTables(t)
	l := layoutOf(t, idx[0])
	flipAt(t, idx[0], int64(l.Data[len(l.Data)/2].Offset+5))

	s, err := Open(StoreConfig{Dir: f.dir})
	if err != nil {
		t.Fatalf("open with a damaged index table: %v", err)
	}
	checkExact(t, s, f.want)
	if ds, err := s.DamagedShards(context.Background()); err != nil || len(ds) != 0 {
		t.Fatalf("%d damaged shards (%v): the index table's shards are all healthy", len(ds), err)
	}
	cf := s.CorruptFiles()
	if len(cf) != 1 || cf[0].Path != idx[0] || !cf[0].Quarantined {
		t.Fatalf("corrupt files %+v, want %s quarantined", cf, idx[0])
	}
	if _, err := os.Stat(filepath.Join(f.dir, quarantineDir, filepath.Base(idx[0]))); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(f.dir, indexRebuildFile)); !os.IsNotExist(err) {
		t.Fatalf("rebuild marker left behind: %v", err)
	}
	// New writes take fresh sequence numbers (the high-water mark held).
	extra := newDamageFixtureChunk(t)
	if err := s.Put(context.Background(), extra.k, extra.b); err != nil {
		t.Fatal(err)
	}
	f.want[extra.k] = extra.b
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openT(t, StoreConfig{Dir: f.dir})
	defer s2.Close()
	if c := s2.CorruptFiles(); len(c) != 0 {
		t.Fatalf("reopen: %+v", c)
	}
	checkExact(t, s2, f.want)
}

// A crash after the damaged range was excised but before the rebuilt index
// was committed (here: the whole index and the high-water mark excised,
// the marker written): the next Open finds the marker and rebuilds. The old
// code would have found no high-water mark and dropped every data key as
// an interrupted batch.
func TestIndexRebuildResumesAfterCrash(t *testing.T) {
	f, _ := indexTables(t)
	s := openT(t, StoreConfig{Dir: f.dir})
	r := keyRange{start: []byte{prefixIndex}, end: []byte{prefixMeta + 1}}
	if err := s.writeRebuildMarker([]keyRange{r}); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Excise(context.Background(), pebble.KeyRange{Start: r.start, End: r.end}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.db.Get(metaNextSeq); err != pebble.ErrNotFound {
		t.Fatalf("high-water mark still there: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openT(t, StoreConfig{Dir: f.dir})
	defer s2.Close()
	checkExact(t, s2, f.want)
	extra := newDamageFixtureChunk(t)
	if err := s2.Put(context.Background(), extra.k, extra.b); err != nil {
		t.Fatal(err)
	}
	f.want[extra.k] = extra.b
	checkExact(t, s2, f.want)
}

type oneShard struct {
	k Key
	b []byte
}

func newDamageFixtureChunk(t *testing.T) oneShard {
	id, sh := encodeChunk(t, bytes.Repeat([]byte("extra shard "), 4000))
	return oneShard{k: Key{Chunk: id, Index: 0}, b: sh[0]}
}

func FuzzParseRebuildMarker(f *testing.F) {
	f.Add([]byte("69 6e\n"))
	f.Add([]byte("69aa 6e00\n6d 6e\n"))
	f.Add([]byte("zz 6e"))
	f.Add([]byte("6e 69"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rs, err := parseRebuildMarker(b)
		if err != nil {
			return
		}
		for _, r := range rs {
			if len(r.start) == 0 || bytes.Compare(r.start, r.end) >= 0 {
				t.Fatalf("accepted an empty or inverted range %x..%x", r.start, r.end)
			}
		}
	})
}
