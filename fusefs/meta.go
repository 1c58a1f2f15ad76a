package fusefs

import (
	"context"
	"errors"
	"hash/fnv"
	"time"

	"github.com/datamon-io/datamon/manifest"
)

// meta answers attribute and listing questions from a manifest lazily,
// through two cost-bounded LRUs (paths → entries, directory pages).
type meta struct {
	r     *manifest.Reader
	root  manifest.Entry
	page  int
	attrs *lru[string, attrVal]
	pages *lru[pageKey, []manifest.Entry]
}

type attrVal struct {
	e     manifest.Entry
	found bool
}

type pageKey struct{ dir, after string }

func entryCost(e manifest.Entry) int64 {
	return int64(len(e.Path)+len(e.Target)) + 40*int64(len(e.Chunks)) + 120
}

func newMeta(r *manifest.Reader, cfg Config, mtime time.Time) *meta {
	half := cfg.MetaCacheSize / 2
	return &meta{
		r:    r,
		root: manifest.Entry{Type: manifest.Dir, Mode: 0o755, MTime: mtime.UnixNano()},
		page: cfg.DirPage,
		attrs: newLRU(half, func(k string, v attrVal) int64 {
			return int64(len(k)) + entryCost(v.e)
		}),
		pages: newLRU(half, func(k pageKey, v []manifest.Entry) int64 {
			c := int64(len(k.dir)+len(k.after)) + 64
			for _, e := range v {
				c += entryCost(e)
			}
			return c
		}),
	}
}

// inode is the stable inode number of a path: FNV-1a 64 (never 0 or 1,
// which FUSE reserves for the root).
func inode(path string) uint64 {
	if path == "" {
		return 1
	}
	h := fnv.New64a()
	h.Write([]byte(path))
	n := h.Sum64()
	if n <= 1 {
		n += 2
	}
	return n
}

// lookup returns the entry at path ("" is the root); found is false when
// the bundle has no such path. A directory without an explicit entry (only
// implied by its children) comes back with zero metadata.
func (m *meta) lookup(ctx context.Context, path string) (manifest.Entry, bool, error) {
	if path == "" {
		return m.root, true, nil
	}
	if v, ok := m.attrs.get(path); ok {
		return v.e, v.found, nil
	}
	e, err := m.r.Lookup(ctx, path)
	switch {
	case err == nil:
	case errors.Is(err, manifest.ErrBadPath):
		return manifest.Entry{}, false, nil
	case errors.Is(err, manifest.ErrNotFound):
		e = manifest.Entry{Path: path, Type: manifest.Dir}
		implied := false
		err = m.r.Walk(ctx, path+"/", func(manifest.Entry) error {
			implied = true
			return manifest.SkipAll
		})
		if err != nil {
			return manifest.Entry{}, false, err
		}
		if !implied {
			m.attrs.put(path, attrVal{})
			return manifest.Entry{}, false, nil
		}
	default:
		return manifest.Entry{}, false, err
	}
	m.attrs.put(path, attrVal{e: e, found: true})
	return e, true, nil
}

// list returns the page of dir's children after the ListKey after.
func (m *meta) list(ctx context.Context, dir, after string) ([]manifest.Entry, error) {
	k := pageKey{dir, after}
	if v, ok := m.pages.get(k); ok {
		return v, nil
	}
	es, err := m.r.ListDir(ctx, dir, after, m.page)
	if err != nil {
		return nil, err
	}
	m.pages.put(k, es)
	for _, e := range es {
		if _, ok := m.attrs.get(e.Path); !ok {
			m.attrs.put(e.Path, attrVal{e: e, found: true})
		}
	}
	return es, nil
}

// base returns the last path element.
func base(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}
