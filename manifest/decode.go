package manifest

import (
	"fmt"
	"math"

	"github.com/datamon-io/datamon/chunk"
)

const chunkIDLen = chunk.IDSize

// decodePage parses and fully validates one page.
func decodePage(b []byte) (*page, error) {
	d := &decoder{b: b}
	hdr := d.next(3, "header")
	if d.err != nil {
		return nil, d.err
	}
	if hdr[0] != pageMagic || (hdr[1] != pageVersion && hdr[1] != pageVersionV1) {
		return nil, fmt.Errorf("%w: magic %#x version %d", ErrCorrupt, hdr[0], hdr[1])
	}
	d.version = hdr[1]
	var p *page
	var err error
	switch hdr[2] {
	case kindLeaf:
		p, err = decodeLeaf(d)
	case kindIndex:
		p, err = decodeIndex(d)
	default:
		return nil, fmt.Errorf("%w: page kind %d", ErrCorrupt, hdr[2])
	}
	if err != nil {
		return nil, err
	}
	if d.left() != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrCorrupt, d.left())
	}
	return p, nil
}

func decodeLeaf(d *decoder) (*page, error) {
	n := d.uvarint("count")
	if d.err == nil && n > uint64(d.left()/minEntryLen) {
		d.fail("entry count")
	}
	if d.err != nil {
		return nil, d.err
	}
	p := &page{entries: make([]Entry, 0, n)}
	prev := ""
	for i := uint64(0); i < n; i++ {
		e := Entry{Path: d.path(prev)}
		tb := d.next(1, "type")
		if d.err != nil {
			return nil, d.err
		}
		e.Type = EntryType(tb[0])
		mode := d.uvarint("mode")
		e.MTime = d.varint("mtime")
		if mode > math.MaxUint32 {
			d.fail("mode")
		}
		e.Mode = uint32(mode)
		switch e.Type {
		case File:
			nc := d.uvarint("chunk count")
			if d.err == nil && nc > uint64(d.left()/(chunkIDLen+1)) {
				d.fail("chunk count")
			}
			if d.err != nil {
				return nil, d.err
			}
			if nc > 0 {
				e.Chunks = make([]ChunkRef, nc)
			}
			for j := range e.Chunks {
				copy(e.Chunks[j].ID[:], d.next(32, "chunk id"))
				size := d.uvarint("chunk size")
				if size > math.MaxUint32 {
					d.fail("chunk size")
				}
				e.Chunks[j].Size = uint32(size)
				e.Size += int64(size)
			}
		case Symlink:
			tl := d.uvarint("target length")
			if tl > MaxTargetLen {
				d.fail("target length")
			}
			e.Target = string(d.next(tl, "target"))
			e.Size = int64(len(e.Target))
		}
		if d.version >= 2 {
			e.Attrs = d.attrs()
		}
		if d.err != nil {
			return nil, d.err
		}
		if err := validateEntry(&e); err != nil {
			return nil, fmt.Errorf("%w: entry %d: %v", ErrCorrupt, i, err)
		}
		if i > 0 && e.Path <= prev {
			return nil, fmt.Errorf("%w: entry %d %q not after %q", ErrCorrupt, i, e.Path, prev)
		}
		prev = e.Path
		p.entries = append(p.entries, e)
	}
	return p, nil
}

func decodeIndex(d *decoder) (*page, error) {
	level := d.uvarint("level")
	n := d.uvarint("count")
	if d.err == nil && (level < 1 || level > MaxLevel) {
		d.fail("level")
	}
	if d.err == nil && (n == 0 || n > uint64(d.left()/minRefLen)) {
		d.fail("ref count")
	}
	if d.err != nil {
		return nil, d.err
	}
	p := &page{level: int(level), refs: make([]pageRef, 0, n)}
	prevFirst, prevLast := "", ""
	for i := uint64(0); i < n; i++ {
		var r pageRef
		r.First = d.path(prevFirst)
		r.Last = d.path(r.First)
		copy(r.ID[:], d.next(32, "page id"))
		r.Entries = d.uvarint("entries")
		r.Files = d.uvarint("files")
		r.Bytes = d.uvarint("bytes")
		if d.err != nil {
			return nil, d.err
		}
		switch {
		case ValidatePath(r.First) != nil || ValidatePath(r.Last) != nil:
			return nil, fmt.Errorf("%w: ref %d: bad path", ErrCorrupt, i)
		case r.Last < r.First || (i > 0 && r.First <= prevLast):
			return nil, fmt.Errorf("%w: ref %d: range [%q,%q] out of order", ErrCorrupt, i, r.First, r.Last)
		case r.Entries == 0 || r.Files > r.Entries || (r.First != r.Last && r.Entries < 2):
			return nil, fmt.Errorf("%w: ref %d: counts %d/%d", ErrCorrupt, i, r.Files, r.Entries)
		}
		prevFirst, prevLast = r.First, r.Last
		p.refs = append(p.refs, r)
	}
	return p, nil
}
