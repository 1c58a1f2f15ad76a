package manifest

import (
	"context"
	"fmt"
	"testing"

	"github.com/datamon-io/datamon/chunk"
)

// Filter drops exactly the chosen entries across page boundaries and keeps
// everything else byte for byte; totals follow.
func TestFilterDropsOnlyChosenEntries(t *testing.T) {
	ctx := context.Background()
	s := newMemStore()
	cfg := WriterConfig{LeafEntries: 3, IndexEntries: 2, PageBytes: 256}
	w := NewWriter(ctx, s, cfg)
	var all []Entry
	for i := 0; i < 40; i++ {
		data := []byte(fmt.Sprintf("content %d", i))
		e := Entry{Path: fmt.Sprintf("d%d/f%02d", i%3, i), Type: File, Size: int64(len(data)), Mode: 0o640, MTime: int64(i),
			Chunks: []ChunkRef{{ID: chunk.Sum(data), Size: uint32(len(data))}}, Attrs: map[string]string{"etag": fmt.Sprint(i)}}
		if i == 7 {
			e = Entry{Path: e.Path, Type: Symlink, Target: "elsewhere", Size: 9}
		}
		all = append(all, e)
	}
	sortEntries(all)
	for _, e := range all {
		if err := w.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	old, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	drop := map[string]bool{all[0].Path: true, all[7].Path: true, all[39].Path: true, "d0/absent": true}
	r, err := Open(ctx, s, old.ID)
	if err != nil {
		t.Fatal(err)
	}
	root, dropped, err := Filter(ctx, r, s, cfg, func(e Entry) bool { return drop[e.Path] })
	if err != nil {
		t.Fatal(err)
	}
	if len(dropped) != 3 || dropped[0].Path != all[0].Path || dropped[2].Path != all[39].Path {
		t.Fatalf("dropped %v", dropped)
	}
	nr, err := Open(ctx, s, root.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []Entry
	if err := nr.Walk(ctx, "", func(e Entry) error { got = append(got, e); return nil }); err != nil {
		t.Fatal(err)
	}
	var want []Entry
	for _, e := range all {
		if !drop[e.Path] {
			want = append(want, e)
		}
	}
	var files, bytes uint64
	for _, e := range want {
		if e.Type == File {
			files, bytes = files+1, bytes+uint64(e.Size)
		}
	}
	if root.ID == old.ID || root.Entries != uint64(len(want)) || root.Files != files || root.Bytes != bytes {
		t.Fatalf("root %+v, want %d entries, %d files, %d bytes", root, len(want), files, bytes)
	}
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d", len(got), len(want))
	}
	for i := range want {
		if fmt.Sprint(got[i]) != fmt.Sprint(want[i]) {
			t.Fatalf("entry %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if _, err := nr.Lookup(ctx, all[7].Path); err == nil {
		t.Fatalf("%s still found", all[7].Path)
	}
	// The old manifest is intact.
	if r2, err := Open(ctx, s, old.ID); err != nil || r2.Stats().Entries != 40 {
		t.Fatalf("old manifest: %v", err)
	}
}
