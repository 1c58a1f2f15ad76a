package transfer

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// reserved are datamon's generated top-level paths, never uploaded or
// compared (datamon's model.IsGeneratedFile).
var reserved = map[string]bool{".datamon": true, ".conflicts": true, ".checkpoints": true}

// IsReserved reports whether rel (a slash path) is under a reserved top-level
// directory.
func IsReserved(rel string) bool {
	top, _, _ := strings.Cut(rel, "/")
	return reserved[top]
}

// walkItem is one path of the source tree. A directory appears twice: once
// as itself (expand false, sorting at rel) and once as "expand me" (sorting
// at rel+"/"), which is what puts "a" < "a.txt" < "a/b" in byte order.
type walkItem struct {
	rel    string
	info   fs.FileInfo // from Lstat
	expand bool
}

func (it walkItem) key() string {
	if it.expand {
		return it.rel + "/"
	}
	return it.rel
}

// walker yields a tree's paths in byte-wise order of their slash paths. It
// holds one sorted listing per directory level on the current path.
type walker struct {
	root  string
	stack [][]walkItem
	// onErr decides what a read error does: return nil to skip the path.
	onErr func(rel string, err error) error
}

// newWalker walks the whole tree under root (not root itself).
func newWalker(root string, onErr func(string, error) error) *walker {
	return &walker{root: root, stack: [][]walkItem{{{rel: "", expand: true}}}, onErr: onErr}
}

// newListWalker walks only the listed paths (a listed directory with its
// whole subtree). Paths must be valid relative slash paths.
func newListWalker(root string, paths []string, onErr func(string, error) error) (*walker, error) {
	w := &walker{root: root, onErr: onErr}
	var items []walkItem
	for _, p := range paths {
		fi, err := os.Lstat(filepath.Join(root, filepath.FromSlash(p)))
		if err != nil {
			if err := onErr(p, err); err != nil {
				return nil, err
			}
			continue
		}
		items = appendItem(items, p, fi)
	}
	sort.Slice(items, func(i, j int) bool { return items[i].key() < items[j].key() })
	out := items[:0]
	expanded := "\x00" // key of the last expanded directory: its subtree is covered
	for i, it := range items {
		if i > 0 && it.key() == items[i-1].key() || strings.HasPrefix(it.key(), expanded) {
			continue
		}
		if it.expand {
			expanded = it.key()
		}
		out = append(out, it)
	}
	w.stack = [][]walkItem{out}
	return w, nil
}

func appendItem(items []walkItem, rel string, fi fs.FileInfo) []walkItem {
	items = append(items, walkItem{rel: rel, info: fi})
	if fi.IsDir() {
		items = append(items, walkItem{rel: rel, info: fi, expand: true})
	}
	return items
}

// next returns the next path (never an expand item), or io.EOF.
func (w *walker) next() (walkItem, error) {
	for len(w.stack) > 0 {
		top := len(w.stack) - 1
		if len(w.stack[top]) == 0 {
			w.stack = w.stack[:top]
			continue
		}
		it := w.stack[top][0]
		w.stack[top] = w.stack[top][1:]
		if !it.expand {
			return it, nil
		}
		children, err := w.list(it.rel)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			continue // removed or replaced since it was listed (Update)
		}
		if err != nil {
			if err := w.onErr(it.rel, err); err != nil {
				return walkItem{}, err
			}
			continue
		}
		w.stack = append(w.stack, children)
	}
	return walkItem{}, io.EOF
}

// list reads one directory and returns its children sorted by key.
func (w *walker) list(rel string) ([]walkItem, error) {
	dir := filepath.Join(w.root, filepath.FromSlash(rel))
	des, err := os.ReadDir(dir)
	if err != nil && len(des) == 0 {
		return nil, err
	}
	items := make([]walkItem, 0, len(des))
	for _, de := range des {
		crel := de.Name()
		if rel != "" {
			crel = rel + "/" + crel
		} else if reserved[crel] {
			continue
		}
		fi, err := de.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // vanished since ReadDir
			}
			if err := w.onErr(crel, err); err != nil {
				return nil, err
			}
			continue
		}
		items = appendItem(items, crel, fi)
	}
	sort.Slice(items, func(i, j int) bool { return items[i].key() < items[j].key() })
	return items, nil
}

// sourceErr wraps a source read error.
func sourceErr(rel string, err error) error {
	return fmt.Errorf("%w %q: %w", ErrSourceFile, rel, err)
}
