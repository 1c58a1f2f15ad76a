package fusefs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/manifest"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/transfer"
)

// goMode converts a manifest mode (permission and special bits) to a Go mode.
func goMode(u uint32) fs.FileMode {
	m := fs.FileMode(u & 0o777)
	if u&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if u&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if u&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	return m
}

type getFunc func(ctx context.Context, id chunk.ID) ([]byte, error)

// materialize writes base entry e into the upper layer (a directory is
// created writable; its mode is applied by the caller).
func (s *Staging) materialize(ctx context.Context, get getFunc, e manifest.Entry) error {
	dst := s.upper(e.Path)
	switch e.Type {
	case manifest.Dir:
		if err := os.Mkdir(dst, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		return nil
	case manifest.Symlink:
		return os.Symlink(e.Target, dst)
	}
	tmp := dst + ".datamon-copyup"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	for _, c := range e.Chunks {
		data, err := get(ctx, c.ID)
		if err == nil && len(data) != int(c.Size) {
			err = fmt.Errorf("chunk %s: %d bytes, manifest says %d", c.ID, len(data), c.Size)
		}
		if err == nil {
			_, err = f.Write(data)
		}
		if err != nil {
			f.Close()
			return fmt.Errorf("fusefs: copy %s: %w", e.Path, err)
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp, goMode(e.Mode)); err != nil {
		return err
	}
	mt := time.Unix(0, e.MTime)
	if err := os.Chtimes(tmp, mt, mt); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}

// dirMeta is a materialized directory whose mode and mtime are applied last.
type dirMeta struct {
	path  string
	mode  uint32
	mtime int64
}

// materializeBase copies every visible base entry missing from the upper
// layer into it, so the upper tree becomes the final view.
func materializeBase(ctx context.Context, store Store, s *Staging) error {
	st := s.State()
	if st.Base == nil {
		return nil
	}
	r, err := manifest.Open(ctx, store, st.Base.ManifestRoot)
	if err != nil {
		return err
	}
	var dirs []dirMeta
	err = r.Walk(ctx, "", func(e manifest.Entry) error {
		if s.hidden(e.Path) {
			return nil
		}
		if _, ok, err := s.lexists(e.Path); err != nil || ok {
			return err
		}
		if pfi, ok, err := s.lexists(parentOf(e.Path)); err != nil {
			return err
		} else if !ok || !pfi.IsDir() {
			return nil // its parent was replaced by a non-directory
		}
		if err := s.materialize(ctx, store.GetChunk, e); err != nil {
			return err
		}
		if e.Type == manifest.Dir {
			dirs = append(dirs, dirMeta{e.Path, e.Mode, e.MTime})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		d := dirs[i]
		mt := time.Unix(0, d.mtime)
		if err := os.Chmod(s.upper(d.path), goMode(d.mode)); err != nil {
			return err
		}
		if err := os.Chtimes(s.upper(d.path), mt, mt); err != nil {
			return err
		}
	}
	return nil
}

func parentOf(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[:i]
		}
	}
	return ""
}

// parented commits with the base bundle as parent.
type parented struct {
	Store
	parents []string
}

func (p parented) CommitBundle(ctx context.Context, b model.Bundle, label string) (model.Bundle, error) {
	b.Parents = p.parents
	return p.Store.CommitBundle(ctx, b, label)
}

// CommitBundleOnLabel also records the bundle label points at as a parent
// (transfer.LabelParentCommitter; used when the Store implements it).
func (p parented) CommitBundleOnLabel(ctx context.Context, b model.Bundle, label string) (model.Bundle, error) {
	lpc, ok := p.Store.(transfer.LabelParentCommitter)
	if !ok {
		return p.CommitBundle(ctx, b, label)
	}
	b.Parents = p.parents
	return lpc.CommitBundleOnLabel(ctx, b, label)
}

// Commit turns a staging directory into a new bundle: the untouched base
// entries are materialized into the upper tree, which transfer.Upload then
// stores (sending only chunks the cluster lacks) and commits with the base
// bundle as parent (and, when the Store can, the bundle the label pointed
// at, read in the commit's Raft command). On success the staging directory is removed; on failure
// it is kept and Commit can be called again.
func Commit(ctx context.Context, store Store, tcfg transfer.Config, s *Staging) (model.Bundle, transfer.UploadStats, error) {
	st := s.State()
	if err := materializeBase(ctx, store, s); err != nil {
		return model.Bundle{}, transfer.UploadStats{}, fmt.Errorf("%w: materialize base bundle: %v (staging kept in %s)", ErrCommit, err, s.Dir())
	}
	com := parented{Store: store}
	if st.Base != nil {
		com.parents = []string{st.Base.ID}
	}
	_, lp := store.(transfer.LabelParentCommitter)
	b, stats, err := transfer.Upload(ctx, store, com, transfer.UploadOptions{
		Config: tcfg, Context: st.Context, Repo: st.Repo, Path: s.Tree(),
		Message: st.Message, Label: st.Label, Contributors: st.Contributors,
		LabelParent: lp && st.Label != "",
	})
	if err != nil {
		return model.Bundle{}, stats, fmt.Errorf("%w: upload: %v (staging kept in %s)", ErrCommit, err, s.Dir())
	}
	if err := os.RemoveAll(s.Dir()); err != nil && tcfg.Logger != nil {
		tcfg.Logger.Warn("fusefs: remove staging", "dir", s.Dir(), "err", err)
	}
	return b, stats, nil
}

// DefaultStagingDir is where a read-write mount stages by default:
// $XDG_CACHE_HOME or ~/.cache /datamon/staging/<id>, else $TMPDIR.
func DefaultStagingDir(id string) string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "datamon", "staging", id)
	}
	return filepath.Join(os.TempDir(), "datamon-staging", id)
}
