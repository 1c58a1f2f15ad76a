package manifest

import (
	"context"
	"fmt"
	"reflect"
	"testing"
)

func TestWalkFromPagesAndSkipsPages(t *testing.T) {
	s := newMemStore()
	var entries []Entry
	for i := 0; i < 300; i++ {
		entries = append(entries, genEntry(fmt.Sprintf("d%d/f%03d", i%3, i), i))
	}
	sortEntries(entries)
	root := writeAll(t, s, WriterConfig{LeafEntries: 8, IndexEntries: 4}, entries)
	r, err := Open(context.Background(), s, root.ID)
	if err != nil {
		t.Fatal(err)
	}
	var want []Entry
	for _, e := range entries {
		if len(e.Path) > 3 && e.Path[:3] == "d1/" && e.Path >= "d1/f150" {
			want = append(want, e)
		}
	}
	s.resetGets()
	var got []Entry
	if err := r.WalkFrom(context.Background(), "d1/", "d1/f150", func(e Entry) error {
		got = append(got, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %d entries, want %d", len(got), len(want))
	}
	// 50 entries over 8-entry leaves plus the index path: far fewer than all pages.
	if n := s.resetGets(); n > 20 {
		t.Fatalf("WalkFrom fetched %d pages", n)
	}
}
