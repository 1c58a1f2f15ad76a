package manifest

import (
	"encoding/binary"
	"fmt"

	"github.com/datamon-io/datamon/chunk"
)

const (
	pageMagic = 0xD7
	// pageVersion is written; version 1 (no entry attrs) still decodes.
	pageVersion   = 2
	pageVersionV1 = 1
	kindLeaf      = 1
	kindIndex     = 2
	// MaxLevel bounds tree height (a fan-out of at least 2 keeps real trees far below it).
	MaxLevel = 40
	// minimum encoded sizes, used to bound counts before allocating
	minEntryLen = 6
	minRefLen   = 4 + chunk.IDSize + 3
)

// pageRef points from an index page to a child page.
type pageRef struct {
	First, Last           string
	ID                    chunk.ID
	Entries, Files, Bytes uint64
}

// page is a decoded leaf (level 0, entries) or index page (level >= 1, refs).
type page struct {
	level   int
	entries []Entry
	refs    []pageRef
}

func (p *page) first() string {
	if p.level == 0 {
		return p.entries[0].Path
	}
	return p.refs[0].First
}

func (p *page) last() string {
	if p.level == 0 {
		return p.entries[len(p.entries)-1].Path
	}
	return p.refs[len(p.refs)-1].Last
}

func (p *page) count() uint64 {
	if p.level == 0 {
		return uint64(len(p.entries))
	}
	var n uint64
	for _, r := range p.refs {
		n += r.Entries
	}
	return n
}

func sharedPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

func appendPath(b []byte, prev, p string) []byte {
	s := sharedPrefix(prev, p)
	b = binary.AppendUvarint(b, uint64(s))
	b = binary.AppendUvarint(b, uint64(len(p)-s))
	return append(b, p[s:]...)
}

// appendEntry encodes e (already validated) after prev in the same page.
func appendEntry(b []byte, prev string, e *Entry) []byte {
	return appendAttrs(appendEntryV1(b, prev, e), e.Attrs)
}

// appendEntryV1 is the version-1 entry encoding (no attrs).
func appendEntryV1(b []byte, prev string, e *Entry) []byte {
	b = appendPath(b, prev, e.Path)
	b = append(b, byte(e.Type))
	b = binary.AppendUvarint(b, uint64(e.Mode))
	b = binary.AppendVarint(b, e.MTime)
	switch e.Type {
	case File:
		b = binary.AppendUvarint(b, uint64(len(e.Chunks)))
		for _, c := range e.Chunks {
			b = append(b, c.ID[:]...)
			b = binary.AppendUvarint(b, uint64(c.Size))
		}
	case Symlink:
		b = binary.AppendUvarint(b, uint64(len(e.Target)))
		b = append(b, e.Target...)
	}
	return b
}

func appendRef(b []byte, prevFirst string, r *pageRef) []byte {
	b = appendPath(b, prevFirst, r.First)
	b = appendPath(b, r.First, r.Last)
	b = append(b, r.ID[:]...)
	b = binary.AppendUvarint(b, r.Entries)
	b = binary.AppendUvarint(b, r.Files)
	return binary.AppendUvarint(b, r.Bytes)
}

// pageHeader returns the fixed prefix of a page with count items.
func pageHeader(level, count int) []byte {
	b := make([]byte, 0, 24)
	if level == 0 {
		b = append(b, pageMagic, pageVersion, kindLeaf)
	} else {
		b = append(b, pageMagic, pageVersion, kindIndex)
		b = binary.AppendUvarint(b, uint64(level))
	}
	return binary.AppendUvarint(b, uint64(count))
}

// decoder reads varints and byte strings with bounds checks; the first
// failure sticks and later reads return zero values.
type decoder struct {
	b       []byte
	off     int
	err     error
	version byte
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s at byte %d", ErrCorrupt, what, d.off)
	}
}

func (d *decoder) left() int { return len(d.b) - d.off }

func (d *decoder) uvarint(what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.fail(what)
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) varint(what string) int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b[d.off:])
	if n <= 0 {
		d.fail(what)
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) next(n uint64, what string) []byte {
	if d.err != nil {
		return nil
	}
	if n > uint64(d.left()) {
		d.fail(what)
		return nil
	}
	s := d.b[d.off : d.off+int(n)]
	d.off += int(n)
	return s
}

// path reads a prefix-compressed path relative to prev.
func (d *decoder) path(prev string) string {
	shared := d.uvarint("path prefix")
	suffix := d.uvarint("path length")
	if d.err != nil {
		return ""
	}
	if shared > uint64(len(prev)) || suffix > MaxPathLen || shared+suffix > MaxPathLen {
		d.fail("path length")
		return ""
	}
	s := d.next(suffix, "path")
	if d.err != nil {
		return ""
	}
	return prev[:shared] + string(s)
}
