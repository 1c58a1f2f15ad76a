package manifest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// refList is the obviously-correct ListDir: scan everything, dedup, sort.
func refList(entries []Entry, dir string) []Entry {
	base := ""
	if dir != "" {
		base = dir + "/"
	}
	byKey := map[string]Entry{}
	for _, e := range entries {
		if !strings.HasPrefix(e.Path, base) {
			continue
		}
		rel := e.Path[len(base):]
		if i := strings.IndexByte(rel, '/'); i >= 0 {
			name := base + rel[:i]
			if _, ok := byKey[name+"/"]; !ok {
				byKey[name+"/"] = Entry{Path: name, Type: Dir}
			}
			continue
		}
		byKey[ListKey(e)] = e
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return nil
	}
	out := make([]Entry, len(keys))
	for i, k := range keys {
		out[i] = byKey[k]
	}
	return out
}

func listPaged(t *testing.T, r *Reader, dir string, limit int) []Entry {
	t.Helper()
	var out []Entry
	after := ""
	for round := 0; ; round++ {
		page, err := r.ListDir(context.Background(), dir, after, limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return out
		}
		if limit > 0 && len(page) > limit || round > 10_000 {
			t.Fatalf("page of %d with limit %d (round %d)", len(page), limit, round)
		}
		out = append(out, page...)
		after = ListKey(page[len(page)-1])
		if limit <= 0 {
			return out
		}
	}
}

// TestListDirMatchesReference lists random trees whose names sort around
// '/' ("a", "a.b", "a-b", "a!", "a b", "b0") with explicit dirs, at every
// page size, and compares with refList.
func TestListDirMatchesReference(t *testing.T) {
	ctx := context.Background()
	names := []string{"a", "a.b", "a-b", "a!", "a b", "b", "b0", "c"}
	for seed := uint64(1); seed <= 12; seed++ {
		rng := rand.New(rand.NewPCG(seed, 99))
		set := map[string]bool{}
		for i := 0; i < 150; i++ {
			depth := 1 + rng.IntN(4)
			segs := make([]string, depth)
			for j := range segs {
				segs[j] = names[rng.IntN(len(names))]
			}
			set[strings.Join(segs, "/")] = true
		}
		paths := make([]string, 0, len(set))
		for p := range set {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		var entries []Entry
		for i, p := range paths {
			entries = append(entries, genEntry(p, i+int(seed)))
		}
		s := newMemStore()
		root := writeAll(t, s, WriterConfig{LeafEntries: 1 + int(seed%5), IndexEntries: 2 + int(seed%3)}, entries)
		r, err := Open(ctx, s, root.ID)
		if err != nil {
			t.Fatal(err)
		}
		dirs := map[string]bool{"": true, "zz": true, "a/zz": true}
		for _, p := range paths {
			for i := range p {
				if p[i] == '/' {
					dirs[p[:i]] = true
				}
			}
			dirs[p] = true // files list as empty
		}
		for dir := range dirs {
			want := refList(entries, dir)
			for _, limit := range []int{0, 1, 2, 3, 7} {
				got := listPaged(t, r, dir, limit)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("seed %d dir %q limit %d:\n got %v\nwant %v", seed, dir, limit, paths2(got), paths2(want))
				}
			}
		}
	}
}

func paths2(es []Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = fmt.Sprintf("%s:%v", e.Path, e.Type)
	}
	return out
}

func TestListDirExplicitDirOrderAndMetadata(t *testing.T) {
	ctx := context.Background()
	s := newMemStore()
	entries := []Entry{
		{Path: "a", Type: Dir, Mode: 0o750, MTime: 42},
		{Path: "a.txt", Type: File},
		{Path: "a/b", Type: File},
		{Path: "empty", Type: Dir, Mode: 0o700},
	}
	root := writeAll(t, s, WriterConfig{LeafEntries: 1}, entries)
	r, err := Open(ctx, s, root.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.ListDir(ctx, "", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{entries[1], entries[0], entries[3]} // "a.txt" < "a/" < "empty/"
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v", paths2(got))
	}
	if got, _ := r.ListDir(ctx, "a", "", 0); len(got) != 1 || got[0].Path != "a/b" {
		t.Fatalf("list a: %v", paths2(got))
	}
	if _, err := r.ListDir(ctx, "a/../b", "", 0); err == nil {
		t.Fatal("bad dir accepted")
	}
}

// TestListDirSkipsSubtrees: listing the root of a tree with one huge
// directory reads a couple of pages, not the directory's 50 pages.
func TestListDirSkipsSubtrees(t *testing.T) {
	ctx := context.Background()
	var entries []Entry
	for i := 0; i < 50_000; i++ {
		entries = append(entries, Entry{Path: fmt.Sprintf("big/f%06d", i), Type: File})
	}
	entries = append(entries, Entry{Path: "small/x", Type: File}, Entry{Path: "small/y", Type: File}, Entry{Path: "z", Type: File})
	s := newMemStore()
	root := writeAll(t, s, DefaultWriterConfig(), entries)
	r, err := Open(ctx, s, root.ID)
	if err != nil {
		t.Fatal(err)
	}
	s.resetGets()
	got, err := r.ListDir(ctx, "", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"big:dir", "small:dir", "z:file"}; !reflect.DeepEqual(paths2(got), want) {
		t.Fatalf("got %v", paths2(got))
	}
	if n := s.resetGets(); n > 2 {
		t.Fatalf("root listing read %d pages", n)
	}
	got, err = r.ListDir(ctx, "big", "big/f012344", 3)
	if err != nil || len(got) != 3 || got[0].Path != "big/f012345" {
		t.Fatalf("paged big: %v %v", paths2(got), err)
	}
	if n := s.resetGets(); n != 1 {
		t.Fatalf("paged listing read %d pages", n)
	}
}

// TestReaderConcurrentUse runs lookups and listings from several goroutines
// on one Reader (run with -race to check the "safe for concurrent use" claim).
func TestReaderConcurrentUse(t *testing.T) {
	ctx := context.Background()
	var entries []Entry
	for i := 0; i < 3000; i++ {
		entries = append(entries, Entry{Path: fmt.Sprintf("d%d/f%04d", i%7, i), Type: File})
	}
	sortEntries(entries)
	s := newMemStore()
	root := writeAll(t, s, WriterConfig{LeafEntries: 50, IndexEntries: 4}, entries)
	r, err := Open(ctx, s, root.ID)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func() {
			for i := g; i < len(entries); i += 97 {
				if _, err := r.Lookup(ctx, entries[i].Path); err != nil {
					errs <- err
					return
				}
				if ls, err := r.ListDir(ctx, fmt.Sprintf("d%d", i%7), "", 10); err != nil || len(ls) != 10 {
					errs <- fmt.Errorf("listdir: %d %v", len(ls), err)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
