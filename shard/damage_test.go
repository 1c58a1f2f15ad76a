package shard

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/cockroachdb/pebble/v2/objstorage/objstorageprovider"
	"github.com/cockroachdb/pebble/v2/sstable"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// damageFixture is a closed store of many small data tables, with the
// shards (and their bytes) each table holds.
type damageFixture struct {
	dir    string
	want   map[Key][]byte
	tables []string         // data table paths, sorted
	keysOf map[string][]Key // table path → shards whose data it holds
}

func newDamageFixture(t *testing.T, chunks int) *damageFixture {
	t.Helper()
	f := &damageFixture{dir: t.TempDir(), want: map[Key][]byte{}, keysOf: map[string][]Key{}}
	ctx := context.Background()
	r := rand.New(rand.NewPCG(7, 7))
	s := openT(t, StoreConfig{Dir: f.dir, MaxBatchBytes: 128 << 10})
	for i := 0; i < chunks; i++ {
		id, sh := encodeChunk(t, randBytes(r, 48<<10))
		keys := make([]Key, len(sh))
		for j, b := range sh {
			keys[j] = Key{Chunk: id, Index: uint8(j)}
			f.want[keys[j]] = b
		}
		if err := s.PutBatch(ctx, keys, sh); err != nil { // one table per chunk
			t.Fatal(err)
		}
	}
	levels, err := s.db.SSTables()
	if err != nil {
		t.Fatal(err)
	}
	type rng struct {
		lo, hi uint64
		p      string
	}
	var rs []rng
	for _, l := range levels {
		for _, ti := range l {
			if lo, hi, ok := dataSeqRange(ti.Smallest.UserKey, ti.Largest.UserKey); ok {
				rs = append(rs, rng{lo, hi, s.tablePath(uint64(ti.BackingSSTNum))})
			}
		}
	}
	err = s.IterateSeq(ctx, func(k Key, si SeqInfo) error {
		for _, x := range rs {
			if x.lo <= si.Seq && si.Seq <= x.hi {
				f.keysOf[x.p] = append(f.keysOf[x.p], k)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for p := range f.keysOf {
		f.tables = append(f.tables, p)
	}
	sort.Strings(f.tables)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if len(f.tables) < 8 {
		t.Fatalf("only %d data tables", len(f.tables))
	}
	return f
}

// layoutOf returns the data and index block handles of an sstable.
func layoutOf(t *testing.T, path string) *sstable.Layout {
	t.Helper()
	fs := vfs.Default
	fh, err := fs.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	rd, err := objstorageprovider.NewFileReadable(fh, fs, objstorageprovider.NewReadaheadConfig(), path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := sstable.NewReader(context.Background(), rd, sstable.ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	l, err := r.Layout()
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func flipAt(t *testing.T, path string, off int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[off] ^= 0x5a
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDamagedTablesOpenAndRepair: one data table deleted, one truncated,
// one with a flipped footer byte, one with a flipped index block byte, two
// with flipped data block bytes. The store opens (the old store refused:
// "unknown to the objstorage provider" / "object size mismatch"); the four
// unreadable tables are quarantined at Open and exactly their shards are
// reported Lost; reads of the other two tables' shards give the exact bytes
// or ErrCorrupt; after relocating the healthy shards and re-putting the bad
// ones, those tables are quarantined and every shard reads back exactly;
// a reopen finds nothing damaged.
func TestDamagedTablesOpenAndRepair(t *testing.T) {
	f := newDamageFixture(t, 60)
	ctx := context.Background()
	del, trunc, foot, idx, d1, d2 := f.tables[1], f.tables[2], f.tables[3], f.tables[4], f.tables[5], f.tables[6]
	lIdx, l1, l2 := layoutOf(t, idx), layoutOf(t, d1), layoutOf(t, d2)
	if err := os.Remove(del); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(trunc)
	if err := os.Truncate(trunc, st.Size()/2); err != nil {
		t.Fatal(err)
	}
	st, _ = os.Stat(foot)
	flipAt(t, foot, st.Size()-10)
	flipAt(t, idx, int64(lIdx.Index[0].Offset+lIdx.Index[0].Length/2))
	flipAt(t, d1, int64(l1.Data[0].Offset+10))
	flipAt(t, d2, int64(l2.Data[len(l2.Data)-1].Offset+10))

	s, err := Open(StoreConfig{Dir: f.dir})
	if err != nil {
		t.Fatalf("open with damaged tables: %v", err)
	}
	defer s.Close()
	wantLost := map[Key]bool{}
	for _, p := range []string{del, trunc, foot, idx} {
		for _, k := range f.keysOf[p] {
			wantLost[k] = true
		}
	}
	ds, err := s.DamagedShards(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != len(wantLost) {
		t.Fatalf("%d damaged shards reported at open, want %d", len(ds), len(wantLost))
	}
	for _, d := range ds {
		if !d.Lost || !wantLost[d.Key] {
			t.Fatalf("%s reported (lost %v), not in an unreadable table", d.Key, d.Lost)
		}
	}
	for _, p := range []string{trunc, foot, idx} {
		if _, err := os.Stat(filepath.Join(f.dir, quarantineDir, filepath.Base(p))); err != nil {
			t.Fatalf("%s not quarantined: %v", p, err)
		}
	}
	// Serve: exact bytes or ErrCorrupt, never anything else.
	for k, w := range f.want {
		got, err := s.Get(ctx, k)
		switch {
		case errors.Is(err, ErrCorrupt):
		case err != nil:
			t.Fatalf("%s: %v", k, err)
		case !bytes.Equal(got, w):
			t.Fatalf("%s: wrong bytes", k)
		case wantLost[k]:
			t.Fatalf("%s: served from a quarantined table", k)
		}
	}
	ds, err = s.DamagedShards(ctx)
	if err != nil {
		t.Fatal(err)
	}
	inD := map[Key]bool{}
	for _, k := range append(append([]Key(nil), f.keysOf[d1]...), f.keysOf[d2]...) {
		inD[k] = true
	}
	relocated, rebuilt := 0, 0
	for _, d := range ds {
		if !d.Lost && !inD[d.Key] {
			t.Fatalf("%s reported damaged, not in a damaged table", d.Key)
		}
		err := s.Relocate(ctx, d.Key)
		switch {
		case err == nil:
			relocated++
		case errors.Is(err, ErrCorrupt):
			if err := s.Put(ctx, d.Key, f.want[d.Key]); err != nil { // the durability service's rebuild
				t.Fatal(err)
			}
			rebuilt++
		default:
			t.Fatal(err)
		}
	}
	if relocated == 0 || rebuilt <= len(wantLost) {
		t.Fatalf("relocated %d, rebuilt %d (lost %d): want healthy shards of damaged tables kept", relocated, rebuilt, len(wantLost))
	}
	n, err := s.QuarantineDamaged(ctx)
	if err != nil || n != 2 {
		t.Fatalf("quarantined %d tables (%v), want 2", n, err)
	}
	for k, w := range f.want {
		if got, err := s.Get(ctx, k); err != nil || !bytes.Equal(got, w) {
			t.Fatalf("%s after repair: %v", k, err)
		}
	}
	if ds, err := s.DamagedShards(ctx); err != nil || len(ds) != 0 {
		t.Fatalf("after repair: %d damaged shards (%v)", len(ds), err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openT(t, StoreConfig{Dir: f.dir})
	defer s2.Close()
	if c := s2.CorruptFiles(); len(c) != 0 {
		t.Fatalf("reopen after repair: %d corrupt files: %+v", len(c), c[0])
	}
	for k, w := range f.want {
		if got, err := s2.Get(ctx, k); err != nil || !bytes.Equal(got, w) {
			t.Fatalf("%s after reopen: %v", k, err)
		}
	}
}
