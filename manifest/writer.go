package manifest

import (
	"context"
	"fmt"

	"github.com/datamon-io/datamon/chunk"
)

// WriterConfig bounds page sizes. A page is flushed as soon as it holds the
// maximum number of items or its encoding reaches PageBytes (an index page
// always gets at least two refs, so the tree fans out).
type WriterConfig struct {
	LeafEntries  int // entries per leaf page (default 1000)
	IndexEntries int // refs per index page (default 1000)
	PageBytes    int // soft size limit of an encoded page (default 256 KiB)
}

// DefaultWriterConfig is 1000 entries / 1000 refs / 256 KiB.
func DefaultWriterConfig() WriterConfig {
	return WriterConfig{LeafEntries: 1000, IndexEntries: 1000, PageBytes: 256 << 10}
}

// Validate checks LeafEntries >= 1, IndexEntries >= 2, PageBytes >= 256.
func (c WriterConfig) Validate() error {
	if c.LeafEntries < 1 || c.IndexEntries < 2 || c.PageBytes < 256 {
		return fmt.Errorf("%w: %+v", ErrBadConfig, c)
	}
	return nil
}

// Root names a finished manifest.
type Root struct {
	ID      chunk.ID // top page
	Files   uint64   // entries of type File
	Bytes   uint64   // sum of File sizes
	Entries uint64   // all entries (files, dirs, symlinks)
}

// builder accumulates one page at one level.
type builder struct {
	level       int
	body        []byte
	count       int
	prev        string // prefix-compression base: previous path or previous ref's First
	first, last string
	entries     uint64
	files       uint64
	bytes       uint64
	flushed     bool
	onlyRef     chunk.ID // the single ref's ID while count == 1 (index levels)
}

// Writer streams sorted entries into pages. Not safe for concurrent use.
type Writer struct {
	ctx    context.Context
	put    ChunkPutter
	cfg    WriterConfig
	levels []*builder // [0] is the leaf level
	last   string
	root   Root
	err    error // sticky
	closed bool
}

// NewWriter returns a Writer storing pages through put. Zero fields of cfg
// take their defaults; an invalid cfg makes every call fail with ErrBadConfig.
// ctx bounds every PutChunk call.
func NewWriter(ctx context.Context, put ChunkPutter, cfg WriterConfig) *Writer {
	def := DefaultWriterConfig()
	if cfg.LeafEntries == 0 {
		cfg.LeafEntries = def.LeafEntries
	}
	if cfg.IndexEntries == 0 {
		cfg.IndexEntries = def.IndexEntries
	}
	if cfg.PageBytes == 0 {
		cfg.PageBytes = def.PageBytes
	}
	w := &Writer{ctx: ctx, put: put, cfg: cfg, levels: []*builder{{level: 0}}}
	w.err = cfg.Validate()
	return w
}

// Add appends e. Paths must be strictly increasing byte-wise (ErrUnsorted);
// e must satisfy ValidatePath and the rules on Entry (ErrBadPath, ErrBadEntry).
// Those input errors leave the Writer usable; a PutChunk failure is sticky.
func (w *Writer) Add(e Entry) error {
	if w.closed {
		return ErrClosed
	}
	if w.err != nil {
		return w.err
	}
	if err := validateEntry(&e); err != nil {
		return err
	}
	if w.root.Entries > 0 && e.Path <= w.last {
		return fmt.Errorf("%w: %q after %q", ErrUnsorted, e.Path, w.last)
	}
	w.last = e.Path
	w.root.Entries++
	var files, size uint64
	if e.Type == File {
		files, size = 1, uint64(e.Size)
	}
	w.root.Files += files
	w.root.Bytes += size

	b := w.levels[0]
	b.body = appendEntry(b.body, b.prev, &e)
	b.prev = e.Path
	if b.count == 0 {
		b.first = e.Path
	}
	b.last = e.Path
	b.count++
	b.entries++
	b.files += files
	b.bytes += size
	if b.count >= w.cfg.LeafEntries || len(b.body) >= w.cfg.PageBytes {
		if err := w.flush(0); err != nil {
			w.err = err
			return err
		}
	}
	return nil
}

// flush stores level's pending page and adds its ref one level up.
func (w *Writer) flush(level int) error {
	b := w.levels[level]
	if b.count == 0 {
		return nil
	}
	hdr := pageHeader(level, b.count)
	data := make([]byte, 0, len(hdr)+len(b.body))
	data = append(append(data, hdr...), b.body...)
	id, err := w.put.PutChunk(w.ctx, data)
	if err != nil {
		return fmt.Errorf("manifest: put level-%d page (%q..%q): %w", level, b.first, b.last, err)
	}
	ref := pageRef{First: b.first, Last: b.last, ID: id, Entries: b.entries, Files: b.files, Bytes: b.bytes}
	*b = builder{level: level, body: b.body[:0], flushed: true}
	if level+1 == len(w.levels) {
		if level+1 > MaxLevel {
			return fmt.Errorf("manifest: tree deeper than %d levels: %w", MaxLevel, ErrBadConfig)
		}
		w.levels = append(w.levels, &builder{level: level + 1})
	}
	return w.addRef(level+1, ref)
}

func (w *Writer) addRef(level int, r pageRef) error {
	b := w.levels[level]
	b.body = appendRef(b.body, b.prev, &r)
	b.prev = r.First
	if b.count == 0 {
		b.first = r.First
		b.onlyRef = r.ID
	}
	b.last = r.Last
	b.count++
	b.entries += r.Entries
	b.files += r.Files
	b.bytes += r.Bytes
	if b.count >= w.cfg.IndexEntries || (b.count >= 2 && len(b.body) >= w.cfg.PageBytes) {
		return w.flush(level)
	}
	return nil
}

// Close flushes every level and returns the root. An empty manifest is a
// single empty leaf page. After Close, Add and Close return ErrClosed.
func (w *Writer) Close() (Root, error) {
	if w.closed {
		return Root{}, ErrClosed
	}
	w.closed = true
	if w.err != nil {
		return Root{}, w.err
	}
	if w.root.Entries == 0 {
		id, err := w.put.PutChunk(w.ctx, pageHeader(0, 0))
		if err != nil {
			return Root{}, fmt.Errorf("manifest: put empty page: %w", err)
		}
		w.root.ID = id
		return w.root, nil
	}
	if err := w.flush(0); err != nil {
		return Root{}, err
	}
	for l := 1; l < len(w.levels); l++ {
		b := w.levels[l]
		if l == len(w.levels)-1 && !b.flushed && b.count == 1 {
			w.root.ID = b.onlyRef
			return w.root, nil
		}
		if err := w.flush(l); err != nil {
			return Root{}, err
		}
	}
	return Root{}, fmt.Errorf("manifest: close: no root: %w", ErrCorrupt) // unreachable
}
