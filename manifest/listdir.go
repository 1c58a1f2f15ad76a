package manifest

import (
	"context"
	"sort"
	"strings"
)

// ListKey is the position of a ListDir result in listing order: the path,
// plus a trailing "/" for a directory. Pass the last result's ListKey as
// after to get the next page. (This is S3's order for a delimiter listing,
// where a directory is the common prefix "dir/".)
func ListKey(e Entry) string {
	if e.Type == Dir {
		return e.Path + "/"
	}
	return e.Path
}

// ListDir returns up to limit (<= 0: all) immediate children of dir ("" is
// the root) whose ListKey is greater than after, in ListKey order. A
// subdirectory appears once, as its explicit Dir entry if the manifest has
// one, else as a derived Entry{Path, Type: Dir} with zero metadata. Whole
// subtrees are skipped by seeking, so the pages read are those holding the
// returned children plus one per level per skipped subdirectory at most. A
// dir that is missing or a file lists as empty.
func (r *Reader) ListDir(ctx context.Context, dir, after string, limit int) ([]Entry, error) {
	base := ""
	if dir != "" {
		if err := ValidatePath(dir); err != nil {
			return nil, err
		}
		base = dir + "/"
	}
	if after < base {
		after = ""
	} else if !strings.HasPrefix(after, base) {
		return nil, nil // after is past everything under dir
	}
	l := &lister{c: r.newCursor(beyondPrefix(base)), base: base, after: after, limit: limit}
	return l.run(ctx)
}

type lister struct {
	c       *cursor
	base    string
	after   string
	limit   int
	out     []Entry
	pending []Entry // explicit dirs seen but not yet due, sorted by ListKey
}

func (l *lister) full() bool { return l.limit > 0 && len(l.out) >= l.limit }

func (l *lister) addPending(e Entry) {
	k := ListKey(e)
	i := sort.Search(len(l.pending), func(i int) bool { return ListKey(l.pending[i]) >= k })
	l.pending = append(l.pending, Entry{})
	copy(l.pending[i+1:], l.pending[i:])
	l.pending[i] = e
}

// emitPendingBefore emits pending dirs whose key sorts before key.
func (l *lister) emitPendingBefore(key string) {
	for len(l.pending) > 0 && !l.full() && ListKey(l.pending[0]) < key {
		l.out = append(l.out, l.pending[0])
		l.pending = l.pending[1:]
	}
}

func (l *lister) run(ctx context.Context) ([]Entry, error) {
	start := l.base
	if l.after != "" {
		// Explicit dirs at paths <= after whose key (path+"/") is > after
		// were passed by the previous page; they are prefixes of after.
		rel := l.after[len(l.base):]
		for j := 1; j <= len(rel) && rel[j-1] != '/'; j++ {
			if j < len(rel) && rel[j] >= '/' {
				continue
			}
			e, ok, err := l.c.lookup(ctx, l.base+rel[:j])
			if err != nil {
				return nil, err
			}
			if ok && e.Type == Dir {
				l.addPending(e)
			}
		}
		start = l.after + "\x00"
	}
	if err := l.c.seek(ctx, start); err != nil {
		return nil, err
	}
	for !l.full() {
		e, ok, err := l.c.next(ctx)
		if err != nil {
			return nil, err
		}
		if !ok || !strings.HasPrefix(e.Path, l.base) {
			break
		}
		rel := e.Path[len(l.base):]
		if i := strings.IndexByte(rel, '/'); i >= 0 {
			name := l.base + rel[:i]
			if key := name + "/"; key > l.after {
				l.emitPendingBefore(key)
				if l.full() {
					break
				}
				if len(l.pending) > 0 && ListKey(l.pending[0]) == key {
					l.out = append(l.out, l.pending[0])
					l.pending = l.pending[1:]
				} else {
					l.out = append(l.out, Entry{Path: name, Type: Dir})
				}
			}
			if err := l.c.seek(ctx, name+"0"); err != nil { // '0' follows '/': skip the subtree
				return nil, err
			}
			continue
		}
		l.emitPendingBefore(ListKey(e))
		if l.full() {
			break
		}
		if e.Type == Dir {
			l.addPending(e)
		} else {
			l.out = append(l.out, e)
		}
	}
	for len(l.pending) > 0 && !l.full() {
		l.out = append(l.out, l.pending[0])
		l.pending = l.pending[1:]
	}
	return l.out, nil
}
