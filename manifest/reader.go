package manifest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/datamon-io/datamon/chunk"
)

// Reader reads a manifest written by Writer. Safe for concurrent use.
type Reader struct {
	get    ChunkGetter
	rootID chunk.ID
	root   *page
}

// Open fetches and decodes the root page.
func Open(ctx context.Context, get ChunkGetter, root chunk.ID) (*Reader, error) {
	r := &Reader{get: get, rootID: root}
	p, err := r.fetch(ctx, root)
	if err != nil {
		return nil, err
	}
	r.root = p
	return r, nil
}

// Root returns the ID the Reader was opened with.
func (r *Reader) Root() chunk.ID { return r.rootID }

// Stats returns the totals recorded in the root page.
func (r *Reader) Stats() Root {
	s := Root{ID: r.rootID, Entries: r.root.count()}
	if r.root.level == 0 {
		for _, e := range r.root.entries {
			if e.Type == File {
				s.Files++
				s.Bytes += uint64(e.Size)
			}
		}
		return s
	}
	for _, ref := range r.root.refs {
		s.Files += ref.Files
		s.Bytes += ref.Bytes
	}
	return s
}

func (r *Reader) fetch(ctx context.Context, id chunk.ID) (*page, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := r.get.GetChunk(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("manifest: get page %s: %w", id, err)
	}
	if chunk.Sum(data) != id {
		return nil, fmt.Errorf("%w: page %s: content hash mismatch", ErrCorrupt, id)
	}
	p, err := decodePage(data)
	if err != nil {
		return nil, fmt.Errorf("manifest: page %s: %w", id, err)
	}
	return p, nil
}

// Walk calls fn for every entry whose path starts with prefix (a plain
// string prefix: use "dir/" for a directory's contents), in path order. Only
// pages whose range overlaps the prefix are fetched. If fn returns SkipAll
// the walk stops and Walk returns nil; any other error is returned as is.
func (r *Reader) Walk(ctx context.Context, prefix string, fn func(Entry) error) error {
	c := r.newCursor(beyondPrefix(prefix))
	if err := c.seek(ctx, prefix); err != nil {
		return err
	}
	for {
		e, ok, err := c.next(ctx)
		if err != nil {
			return err
		}
		if !ok || !strings.HasPrefix(e.Path, prefix) {
			return nil
		}
		if err := fn(e); err != nil {
			if errors.Is(err, SkipAll) {
				return nil
			}
			return err
		}
	}
}

// Lookup returns the entry at path (ErrNotFound if absent, ErrBadPath if invalid).
// It fetches one page per tree level.
func (r *Reader) Lookup(ctx context.Context, path string) (Entry, error) {
	if err := ValidatePath(path); err != nil {
		return Entry{}, err
	}
	c := r.newCursor(func(first string) bool { return first > path })
	e, ok, err := c.lookup(ctx, path)
	if err != nil {
		return Entry{}, err
	}
	if !ok {
		return Entry{}, fmt.Errorf("%w: %q", ErrNotFound, path)
	}
	return e, nil
}

// beyondPrefix reports whether a page starting at first lies wholly after
// every path with the prefix.
func beyondPrefix(prefix string) func(first string) bool {
	return func(first string) bool { return first > prefix && !strings.HasPrefix(first, prefix) }
}

// frame is one page on the cursor's path from the root. For an index page, i
// is the child being read (on the stack above) or to be read next.
type frame struct {
	p  *page
	id chunk.ID
	i  int
}

// cursor iterates entries in path order from a seek position. beyond(first)
// tells it a child page starting at first is past the caller's range, so the
// page is not fetched and the iteration ends.
type cursor struct {
	r      *Reader
	stack  []frame
	beyond func(first string) bool
}

func (r *Reader) newCursor(beyond func(string) bool) *cursor {
	return &cursor{r: r, beyond: beyond}
}

// child returns refs[i]'s page, reusing the page already at that depth of
// the previous stack, and checks that it matches the ref.
func (c *cursor) child(ctx context.Context, parent *page, i int, old []frame, depth int) (*page, error) {
	ref := &parent.refs[i]
	if depth < len(old) && old[depth].id == ref.ID {
		return old[depth].p, nil
	}
	p, err := c.r.fetch(ctx, ref.ID)
	if err != nil {
		return nil, err
	}
	if p.level != parent.level-1 || p.first() != ref.First || p.last() != ref.Last || p.count() != ref.Entries {
		return nil, fmt.Errorf("%w: page %s does not match its reference", ErrCorrupt, ref.ID)
	}
	if p.level == 0 && len(p.entries) == 0 {
		return nil, fmt.Errorf("%w: empty leaf %s below the root", ErrCorrupt, ref.ID)
	}
	return p, nil
}

// seek positions the cursor at the first entry with path >= from.
func (c *cursor) seek(ctx context.Context, from string) error {
	old := c.stack
	c.stack = make([]frame, 0, len(old)+1)
	p, id := c.r.root, c.r.rootID
	for depth := 0; ; depth++ {
		if p.level == 0 {
			i := sort.Search(len(p.entries), func(i int) bool { return p.entries[i].Path >= from })
			c.stack = append(c.stack, frame{p, id, i})
			return nil
		}
		i := sort.Search(len(p.refs), func(i int) bool { return p.refs[i].Last >= from })
		if i == len(p.refs) || c.beyond(p.refs[i].First) {
			c.stack = c.stack[:0]
			return nil
		}
		c.stack = append(c.stack, frame{p, id, i})
		child, err := c.child(ctx, p, i, old, depth+1)
		if err != nil {
			return err
		}
		p, id = child, p.refs[i].ID
	}
}

// next returns the entry at the cursor and advances; ok is false at the end.
func (c *cursor) next(ctx context.Context) (Entry, bool, error) {
	for len(c.stack) > 0 {
		top := &c.stack[len(c.stack)-1]
		if top.p.level == 0 {
			if top.i < len(top.p.entries) {
				top.i++
				return top.p.entries[top.i-1], true, nil
			}
			c.pop()
			continue
		}
		if top.i >= len(top.p.refs) {
			c.pop()
			continue
		}
		if c.beyond(top.p.refs[top.i].First) {
			c.stack = c.stack[:0]
			return Entry{}, false, nil
		}
		child, err := c.child(ctx, top.p, top.i, nil, 0)
		if err != nil {
			return Entry{}, false, err
		}
		c.stack = append(c.stack, frame{child, top.p.refs[top.i].ID, 0})
	}
	return Entry{}, false, nil
}

func (c *cursor) pop() {
	c.stack = c.stack[:len(c.stack)-1]
	if n := len(c.stack); n > 0 {
		c.stack[n-1].i++
	}
}

// lookup seeks to path and reports the entry there, if any.
func (c *cursor) lookup(ctx context.Context, path string) (Entry, bool, error) {
	if err := c.seek(ctx, path); err != nil {
		return Entry{}, false, err
	}
	e, ok, err := c.next(ctx)
	if err != nil || !ok || e.Path != path {
		return Entry{}, false, err
	}
	return e, true, nil
}
