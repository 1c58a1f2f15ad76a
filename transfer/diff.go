package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/manifest"
	"github.com/datamon-io/datamon/model"
)

// DiffType is datamon's change letter, local tree = existing side, bundle =
// additional side.
type DiffType string

// Diff types.
const (
	Added   DiffType = "A" // in the bundle, not local
	Deleted DiffType = "D" // local, not in the bundle
	Updated DiffType = "U" // in both, different type, mode, target or content
)

// DiffEntry is one difference. Local* describe the local path (zero for A),
// Remote* the bundle's entry (zero for D). Hashes are ContentHash values;
// LocalHash is computed only when it decides the comparison (same type and
// size), else it is empty.
type DiffEntry struct {
	Type       DiffType `json:"type"`
	Name       string   `json:"name"`
	LocalType  string   `json:"local_type,omitempty"`
	LocalSize  int64    `json:"local_size"`
	LocalHash  string   `json:"local_hash,omitempty"`
	RemoteType string   `json:"remote_type,omitempty"`
	RemoteSize int64    `json:"remote_size"`
	RemoteHash string   `json:"remote_hash,omitempty"`
	// Remote is the bundle's entry (A and U), for Update.
	Remote manifest.Entry `json:"-"`
	local  fs.FileInfo
}

// Diff compares the tree under dir (reserved paths excluded) with bundle b
// and returns the differences in path order.
func Diff(ctx context.Context, store Store, cfg Config, b model.Bundle, dir string) ([]DiffEntry, error) {
	var out []DiffEntry
	err := DiffFunc(ctx, store, cfg, b, dir, func(d DiffEntry) error {
		out = append(out, d)
		return nil
	})
	return out, err
}

// DiffFunc is Diff calling fn for each difference, in path order, without
// holding the lists in memory (it merges the local walk and the manifest walk).
func DiffFunc(ctx context.Context, store Store, cfg Config, b model.Bundle, dir string, fn func(DiffEntry) error) error {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return err
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("%w: %q is not a directory (%v)", ErrBadConfig, dir, err)
	}
	mr, err := manifest.Open(ctx, retrying{s: store, cfg: cfg}, b.ManifestRoot)
	if err != nil {
		return fmt.Errorf("transfer: open manifest: %w", err)
	}
	w := newWalker(dir, func(rel string, err error) error { return sourceErr(rel, err) })
	cur, err := w.next()
	ok := err == nil
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	advance := func() error {
		cur, err = w.next()
		ok = err == nil
		if errors.Is(err, io.EOF) {
			return nil
		}
		return err
	}
	err = mr.Walk(ctx, "", func(e manifest.Entry) error {
		if IsReserved(e.Path) {
			return nil
		}
		for ok && cur.rel < e.Path {
			// A local directory that only parents the bundle's entries (the
			// bundle does not list it, e.g. an upload with --files) is kept.
			implied := cur.info.IsDir() && strings.HasPrefix(e.Path, cur.rel+"/")
			if !implied {
				if err := fn(localOnly(cur)); err != nil {
					return err
				}
			}
			if err := advance(); err != nil {
				return err
			}
		}
		if ok && cur.rel == e.Path {
			d, differs, err := compare(cfg, dir, cur, e)
			if err != nil {
				return err
			}
			if differs {
				if err := fn(d); err != nil {
					return err
				}
			}
			return advance()
		}
		return fn(DiffEntry{Type: Added, Name: e.Path, RemoteType: e.Type.String(), RemoteSize: e.Size, RemoteHash: ContentHash(e), Remote: e})
	})
	for err == nil && ok {
		if err = fn(localOnly(cur)); err == nil {
			err = advance()
		}
	}
	return err
}

func localType(fi fs.FileInfo) manifest.EntryType {
	switch fi.Mode().Type() {
	case 0:
		return manifest.File
	case fs.ModeDir:
		return manifest.Dir
	case fs.ModeSymlink:
		return manifest.Symlink
	}
	return 0
}

func localOnly(it walkItem) DiffEntry {
	return DiffEntry{Type: Deleted, Name: it.rel, LocalType: localType(it.info).String(), LocalSize: localSize(it.info), local: it.info}
}

func localSize(fi fs.FileInfo) int64 {
	if localType(fi) == manifest.Dir {
		return 0
	}
	return fi.Size()
}

// compare decides whether the local path and the bundle entry differ.
func compare(cfg Config, dir string, it walkItem, e manifest.Entry) (DiffEntry, bool, error) {
	lt := localType(it.info)
	d := DiffEntry{Type: Updated, Name: e.Path, LocalType: lt.String(), LocalSize: localSize(it.info),
		RemoteType: e.Type.String(), RemoteSize: e.Size, RemoteHash: ContentHash(e), Remote: e, local: it.info}
	abs := filepath.Join(dir, filepath.FromSlash(it.rel))
	if lt != e.Type {
		return d, true, nil
	}
	switch lt {
	case manifest.Symlink:
		t, err := os.Readlink(abs)
		if err != nil {
			return d, false, sourceErr(it.rel, err)
		}
		d.LocalHash = chunk.Sum([]byte(t)).String()
		return d, t != e.Target, nil
	case manifest.Dir:
		return d, unixMode(it.info.Mode()) != e.Mode, nil
	}
	if unixMode(it.info.Mode()) != e.Mode || it.info.Size() != e.Size {
		return d, true, nil
	}
	h, err := localHash(cfg, abs)
	if err != nil {
		return d, false, sourceErr(it.rel, err)
	}
	d.LocalHash = h
	return d, h != d.RemoteHash, nil
}

// localHash is ContentHash of a local file, chunked like an upload.
func localHash(cfg Config, abs string) (string, error) {
	f, err := os.OpenFile(abs, os.O_RDONLY|oNoFollow, 0)
	if err != nil {
		return "", err
	}
	defer f.Close()
	s := &sender{cfg: cfg}
	var refs []manifest.ChunkRef
	err = s.chunks(f, func(c chunk.Chunk) error {
		refs = append(refs, manifest.ChunkRef{ID: c.ID, Size: uint32(len(c.Data))})
		return nil
	})
	if err != nil {
		return "", err
	}
	return chunkListHash(refs).String(), nil
}
