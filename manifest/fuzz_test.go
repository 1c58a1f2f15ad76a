package manifest

import (
	"fmt"
	"reflect"
	"testing"
)

// encodePage re-encodes a decoded page; decode(encodePage(p)) must equal p.
func encodePage(p *page) []byte {
	if p.level == 0 {
		b := pageHeader(0, len(p.entries))
		prev := ""
		for i := range p.entries {
			b = appendEntry(b, prev, &p.entries[i])
			prev = p.entries[i].Path
		}
		return b
	}
	b := pageHeader(p.level, len(p.refs))
	prev := ""
	for i := range p.refs {
		b = appendRef(b, prev, &p.refs[i])
		prev = p.refs[i].First
	}
	return b
}

func FuzzDecodePage(f *testing.F) {
	s := newMemStore()
	var entries []Entry
	for i := 0; i < 40; i++ {
		entries = append(entries, genEntry(fmt.Sprintf("dir%d/sub/file%03d", i%3, i), i))
	}
	sortEntries(entries)
	writeAll(f, s, WriterConfig{LeafEntries: 6, IndexEntries: 3}, entries)
	for _, b := range s.chunks {
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{pageMagic, pageVersion, kindLeaf, 0xff, 0xff, 0xff, 0xff, 0x0f})           // huge count
	f.Add([]byte{pageMagic, pageVersion, kindIndex, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}) // huge ref count
	f.Add([]byte{pageMagic, pageVersion, kindLeaf, 1, 0, 0x80, 0x80, 0x04, 'a'})            // huge path
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodePage(b)
		if err != nil {
			return
		}
		again, err := decodePage(encodePage(p))
		if err != nil {
			t.Fatalf("re-encoded page does not decode: %v", err)
		}
		if !reflect.DeepEqual(p, again) {
			t.Fatal("decode(encode(p)) != p")
		}
	})
}

// FuzzReaderOnHostilePages stores fuzzer-made pages (which may reference each
// other) and runs every read path from the first one: no panics, no hangs.
func FuzzReaderOnHostilePages(f *testing.F) {
	s := newMemStore()
	root := writeAll(f, s, WriterConfig{LeafEntries: 2, IndexEntries: 2}, []Entry{
		{Path: "a", Type: Dir}, {Path: "a/b", Type: File}, {Path: "c", Type: Symlink, Target: "a", Size: 1},
	})
	var pages []byte
	pages = append(pages, s.chunks[root.ID]...)
	f.Add(pages, []byte{})
	f.Add(encodePage(&page{level: 0}), []byte("x"))
	f.Fuzz(func(t *testing.T, rootPage, other []byte) {
		st := newMemStore()
		for k, v := range s.chunks {
			st.chunks[k] = v
		}
		id, _ := st.PutChunk(t.Context(), rootPage)
		st.PutChunk(t.Context(), other)
		r, err := Open(t.Context(), st, id)
		if err != nil {
			return
		}
		n := 0
		_ = r.Walk(t.Context(), "", func(Entry) error {
			if n++; n > 1_000_000 {
				t.Fatal("walk does not end")
			}
			return nil
		})
		_, _ = r.Lookup(t.Context(), "a/b")
		_, _ = r.ListDir(t.Context(), "", "", 0)
		_, _ = r.ListDir(t.Context(), "a", "a/", 1)
	})
}
