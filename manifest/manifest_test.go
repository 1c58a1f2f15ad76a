package manifest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
)

// genEntry makes a deterministic entry of a type chosen by i.
func genEntry(path string, i int) Entry {
	e := Entry{Path: path, Mode: uint32(0o644 + i%3), MTime: int64(i)*1_000_000_007 - 5e17}
	switch i % 7 {
	case 5:
		e.Type = Dir
	case 6:
		e.Type, e.Target = Symlink, "../target/"+path
		e.Size = int64(len(e.Target))
	default:
		e.Type = File
		for j := 0; j < i%4; j++ {
			c := ChunkRef{Size: uint32(1 + (i*31+j)%(4<<20))}
			c.ID[0], c.ID[1], c.ID[2] = byte(i), byte(i>>8), byte(j)
			e.Chunks = append(e.Chunks, c)
			e.Size += int64(c.Size)
		}
	}
	return e
}

func writeAll(t testing.TB, s *memStore, cfg WriterConfig, entries []Entry) Root {
	t.Helper()
	w := NewWriter(context.Background(), s, cfg)
	for _, e := range entries {
		if err := w.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	root, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func walkAll(t testing.TB, r *Reader, prefix string) []Entry {
	t.Helper()
	var got []Entry
	if err := r.Walk(context.Background(), prefix, func(e Entry) error {
		got = append(got, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// gridEntries is 100 dirs × 1000 files: "d000/f0000" ... "d099/f0999".
func gridEntries() []Entry {
	out := make([]Entry, 0, 100_000)
	for d := 0; d < 100; d++ {
		for f := 0; f < 1000; f++ {
			e := genEntry(fmt.Sprintf("d%03d/f%04d", d, f), f)
			if e.Type != File {
				e = Entry{Path: e.Path, Type: File}
			}
			out = append(out, e)
		}
	}
	return out
}

func TestRoundTrip100k(t *testing.T) {
	ctx := context.Background()
	var entries []Entry
	for i := 0; i < 100_000; i++ {
		entries = append(entries, genEntry(fmt.Sprintf("data/part-%02d/sub/file-%07d.bin", i%100/10, i), i))
	}
	sortEntries(entries)
	for _, cfg := range []WriterConfig{{}, {LeafEntries: 7, IndexEntries: 3, PageBytes: 256}} {
		s := newMemStore()
		root := writeAll(t, s, cfg, entries)
		var files, bytes uint64
		for _, e := range entries {
			if e.Type == File {
				files++
				bytes += uint64(e.Size)
			}
		}
		if root.Files != files || root.Bytes != bytes || root.Entries != uint64(len(entries)) {
			t.Fatalf("root %+v, want files %d bytes %d", root, files, bytes)
		}
		r, err := Open(ctx, s, root.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.root.level == 0 || r.Stats() != root {
			t.Fatalf("root level %d stats %+v", r.root.level, r.Stats())
		}
		got := walkAll(t, r, "")
		if !reflect.DeepEqual(got, entries) {
			t.Fatalf("cfg %+v: walk returned %d entries, differing from the %d written", cfg, len(got), len(entries))
		}
	}
}

func sortEntries(es []Entry) {
	sort.Slice(es, func(i, j int) bool { return es[i].Path < es[j].Path })
}

func TestWalkPrefixFetchesOnlyOverlappingPages(t *testing.T) {
	ctx := context.Background()
	s := newMemStore()
	entries := gridEntries()
	root := writeAll(t, s, DefaultWriterConfig(), entries) // 1000 per leaf: one leaf per dir
	r, err := Open(ctx, s, root.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		prefix        string
		entries, gets int
	}{
		{"d042/", 1000, 1},
		{"d042/f05", 100, 1},
		{"d042/f0999", 1, 1},
		{"d04", 10_000, 10},
		{"d099/f0000", 1, 1},
		{"zzz", 0, 0},
		{"d042/x", 0, 0}, // the only candidate page starts past the prefix
		{"a", 0, 0},
	} {
		s.resetGets()
		got := walkAll(t, r, tc.prefix)
		if n := s.resetGets(); len(got) != tc.entries || n != tc.gets {
			t.Errorf("walk %q: %d entries, %d page reads; want %d, %d", tc.prefix, len(got), n, tc.entries, tc.gets)
		}
		for _, e := range got {
			if !strings.HasPrefix(e.Path, tc.prefix) {
				t.Fatalf("walk %q returned %q", tc.prefix, e.Path)
			}
		}
	}
	// SkipAll stops early without error; other errors come back as is.
	n := 0
	if err := r.Walk(ctx, "d001/", func(Entry) error { n++; return SkipAll }); err != nil || n != 1 {
		t.Fatalf("SkipAll: %v after %d", err, n)
	}
	boom := errors.New("boom")
	if err := r.Walk(ctx, "", func(Entry) error { return boom }); err != boom {
		t.Fatalf("callback error: %v", err)
	}
}

func TestLookup(t *testing.T) {
	ctx := context.Background()
	s := newMemStore()
	entries := gridEntries()
	root := writeAll(t, s, WriterConfig{LeafEntries: 100, IndexEntries: 10}, entries) // 4 levels
	r, err := Open(ctx, s, root.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.root.level != 3 {
		t.Fatalf("root level %d, want 3", r.root.level)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 200; i++ {
		want := entries[rng.IntN(len(entries))]
		s.resetGets()
		got, err := r.Lookup(ctx, want.Path)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("lookup %q: %+v %v", want.Path, got, err)
		}
		if n := s.resetGets(); n != 3 {
			t.Fatalf("lookup read %d pages, want 3", n)
		}
	}
	for _, p := range []string{"d000", "d000/f00000", "d050/f0999x", "e", "a/b", "d099/f1000"} {
		if _, err := r.Lookup(ctx, p); !errors.Is(err, ErrNotFound) || !errors.Is(err, model.ErrNotFound) {
			t.Errorf("lookup %q: %v", p, err)
		}
	}
	if _, err := r.Lookup(ctx, "/abs"); !errors.Is(err, ErrBadPath) {
		t.Errorf("lookup bad path: %v", err)
	}
}

func TestEmptyManifest(t *testing.T) {
	ctx := context.Background()
	s := newMemStore()
	root := writeAll(t, s, WriterConfig{}, nil)
	r, err := Open(ctx, s, root.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := walkAll(t, r, ""); len(got) != 0 || root.Entries != 0 {
		t.Fatalf("empty manifest walked %d", len(got))
	}
	if ls, err := r.ListDir(ctx, "", "", 0); err != nil || len(ls) != 0 {
		t.Fatalf("listdir: %v %v", ls, err)
	}
	if _, err := r.Lookup(ctx, "a"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
}

func TestSingleEntryAndTinyTrees(t *testing.T) {
	ctx := context.Background()
	for n := 1; n <= 40; n++ {
		var entries []Entry
		for i := 0; i < n; i++ {
			entries = append(entries, genEntry(fmt.Sprintf("f%03d", i), i))
		}
		s := newMemStore()
		root := writeAll(t, s, WriterConfig{LeafEntries: 2, IndexEntries: 2}, entries)
		r, err := Open(ctx, s, root.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := walkAll(t, r, ""); !reflect.DeepEqual(got, entries) {
			t.Fatalf("n=%d: walk mismatch", n)
		}
	}
}

func TestValidatePath(t *testing.T) {
	for _, p := range []string{"a", "a/b", "a.b/c..d/.e", `back\slash`, "x/...", strings.Repeat("a", MaxPathLen)} {
		if err := ValidatePath(p); err != nil {
			t.Errorf("%q: %v", p, err)
		}
	}
	for _, p := range []string{"", "/a", "a/", "a//b", ".", "..", "a/./b", "a/../b", "../a", "a/..", "a\x00b", strings.Repeat("a", MaxPathLen+1)} {
		if err := ValidatePath(p); !errors.Is(err, ErrBadPath) || !errors.Is(err, model.ErrInvalid) {
			t.Errorf("%q: %v", p, err)
		}
	}
}

func TestWriterRejectsBadInput(t *testing.T) {
	s := newMemStore()
	w := NewWriter(context.Background(), s, WriterConfig{})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.Add(Entry{Path: "b", Type: File}))
	for _, tc := range []struct {
		e    Entry
		want error
	}{
		{Entry{Path: "a", Type: File}, ErrUnsorted},
		{Entry{Path: "b", Type: File}, ErrUnsorted},
		{Entry{Path: "c/../d", Type: File}, ErrBadPath},
		{Entry{Path: "c", Type: 0}, ErrBadEntry},
		{Entry{Path: "c", Type: File, Size: 5}, ErrBadEntry},
		{Entry{Path: "c", Type: File, Size: 0, Chunks: []ChunkRef{{Size: 0}}}, ErrBadEntry},
		{Entry{Path: "c", Type: Dir, Size: 4096}, ErrBadEntry},
		{Entry{Path: "c", Type: Symlink}, ErrBadEntry},
		{Entry{Path: "c", Type: Symlink, Target: "x", Size: 0}, ErrBadEntry},
		{Entry{Path: "c", Type: File, Target: "x"}, ErrBadEntry},
	} {
		if err := w.Add(tc.e); !errors.Is(err, tc.want) {
			t.Errorf("add %+v: %v, want %v", tc.e, err, tc.want)
		}
	}
	must(w.Add(Entry{Path: "c", Type: Symlink, Target: "x", Size: 1})) // still usable
	root, err := w.Close()
	must(err)
	if root.Entries != 2 {
		t.Fatalf("root %+v", root)
	}
	if err := w.Add(Entry{Path: "z", Type: Dir}); !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
	if w := NewWriter(context.Background(), s, WriterConfig{IndexEntries: 1}); !errors.Is(w.Add(Entry{Path: "a", Type: Dir}), ErrBadConfig) {
		t.Fatal("bad config accepted")
	}
}

func TestPutErrorIsSticky(t *testing.T) {
	s := newMemStore()
	s.putErr = errors.New("disk full")
	w := NewWriter(context.Background(), s, WriterConfig{LeafEntries: 1})
	if err := w.Add(Entry{Path: "a", Type: Dir}); !errors.Is(err, s.putErr) {
		t.Fatal(err)
	}
	s.putErr = nil
	if err := w.Add(Entry{Path: "b", Type: Dir}); err == nil {
		t.Fatal("writer accepted entries after a failed put")
	}
	if _, err := w.Close(); err == nil {
		t.Fatal("close succeeded after a failed put")
	}
}

func TestCorruptPagesDetected(t *testing.T) {
	ctx := context.Background()
	s := newMemStore()
	root := writeAll(t, s, WriterConfig{LeafEntries: 2}, []Entry{{Path: "a", Type: Dir}, {Path: "b", Type: Dir}, {Path: "c", Type: Dir}})
	r, err := Open(ctx, s, root.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Tamper with a leaf: its bytes no longer hash to the ID.
	leafID := r.root.refs[1].ID
	s.chunks[leafID] = append([]byte(nil), s.chunks[leafID]...)
	s.chunks[leafID][len(s.chunks[leafID])-1] ^= 1
	if _, err := r.Lookup(ctx, "c"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("tampered leaf: %v", err)
	}
	// A well-formed index page whose ref lies about its child's range.
	leaf := append(pageHeader(0, 1), appendEntry(nil, "", &Entry{Path: "a", Type: Dir})...)
	lid, _ := s.PutChunk(ctx, leaf)
	idx := append(pageHeader(1, 1), appendRef(nil, "", &pageRef{First: "a", Last: "b", ID: lid, Entries: 2})...)
	iid, _ := s.PutChunk(ctx, idx)
	r2, err := Open(ctx, s, iid)
	if err != nil {
		t.Fatal(err)
	}
	if err := r2.Walk(ctx, "", func(Entry) error { return nil }); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("lying ref: %v", err)
	}
	if _, err := Open(ctx, s, chunk.Sum([]byte("missing"))); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("missing root: %v", err)
	}
}
