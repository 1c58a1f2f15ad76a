package manifest

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/datamon-io/datamon/chunk"
)

func attrEntries() []Entry {
	return []Entry{
		{Path: "a.csv", Type: File, Size: 3, Chunks: []ChunkRef{{ID: chunk.Sum([]byte("abc")), Size: 3}},
			Attrs: map[string]string{"etag": "900150983cd24fb0d6963f7d28e17f72", "content-type": "text/csv", "meta:x": ""}},
		{Path: "b", Type: Dir},
		{Path: "c", Type: Symlink, Target: "a.csv", Size: 5, Attrs: map[string]string{"k": "v"}},
	}
}

func TestAttrsRoundTrip(t *testing.T) {
	s := newMemStore()
	want := attrEntries()
	root := writeAll(t, s, WriterConfig{LeafEntries: 2, IndexEntries: 2}, want)
	r, err := Open(context.Background(), s, root.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := walkAll(t, r, ""); !reflect.DeepEqual(got, want) {
		t.Fatalf("walk:\n got %+v\nwant %+v", got, want)
	}
	e, err := r.Lookup(context.Background(), "a.csv")
	if err != nil || e.Attrs["content-type"] != "text/csv" {
		t.Fatalf("lookup: %+v %v", e, err)
	}
}

// A version-1 page (no attrs section) written by an older writer still decodes.
func TestVersion1PageDecodes(t *testing.T) {
	want := attrEntries()
	for i := range want {
		want[i].Attrs = nil
	}
	b := []byte{pageMagic, pageVersionV1, kindLeaf, byte(len(want))}
	prev := ""
	for i := range want {
		b = appendEntryV1(b, prev, &want[i])
		prev = want[i].Path
	}
	p, err := decodePage(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.entries, want) {
		t.Fatalf("got %+v want %+v", p.entries, want)
	}
	// The same bytes labelled version 2 lack the attrs sections: corrupt.
	b[1] = pageVersion
	if _, err := decodePage(b); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("v1 body as v2: %v", err)
	}
	b[1] = 3
	if _, err := decodePage(b); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("unknown version: %v", err)
	}
}

func TestAttrsLimits(t *testing.T) {
	w := NewWriter(context.Background(), newMemStore(), WriterConfig{})
	big := map[string]string{"k": strings.Repeat("v", MaxAttrValueLen+1)}
	if err := w.Add(Entry{Path: "x", Type: Dir, Attrs: big}); !errors.Is(err, ErrBadEntry) {
		t.Fatalf("oversized attr: %v", err)
	}
	if err := w.Add(Entry{Path: "x", Type: Dir, Attrs: map[string]string{"": "v"}}); !errors.Is(err, ErrBadEntry) {
		t.Fatalf("empty key: %v", err)
	}
	// Keys out of order in the encoding are corrupt.
	b := pageHeader(0, 1)
	b = appendEntryV1(b, "", &Entry{Path: "x", Type: Dir})
	b = append(b, 2, 1, 'b', 0, 1, 'a', 0)
	if _, err := decodePage(b); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("unsorted attrs: %v", err)
	}
}

func FuzzDecodeAttrsPage(f *testing.F) {
	e := attrEntries()
	f.Add(encodePage(&page{entries: e}))
	v1 := []byte{pageMagic, pageVersionV1, kindLeaf, 1}
	f.Add(appendEntryV1(v1, "", &Entry{Path: "x", Type: Dir}))
	f.Add(append(appendEntryV1(pageHeader(0, 1), "", &Entry{Path: "x", Type: Dir}), 0x7f, 0xff, 0xff))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodePage(b)
		if err != nil {
			return
		}
		if p.level == 0 {
			for i := range p.entries {
				if err := validateEntry(&p.entries[i]); err != nil {
					t.Fatalf("decoded invalid entry: %v", err)
				}
			}
		}
		again, err := decodePage(encodePage(p))
		if err != nil || !reflect.DeepEqual(p, again) {
			t.Fatalf("re-encode: %v", err)
		}
	})
}
