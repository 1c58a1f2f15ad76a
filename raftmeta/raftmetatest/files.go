package raftmetatest

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// DefaultSecret is the cluster secret of a test cluster without Options.Secret.
const DefaultSecret = "raftmetatest cluster secret 0123"

// WalkFiles calls fn with the name and content of every file node id holds:
// everything in its filesystem (raft log, FSM WAL, sstables, manifests) and
// its latest snapshot (as "snapshots/<id>"). Files removed while the walk
// runs are skipped. For tests that look for what must not be stored.
func (c *Cluster) WalkFiles(id string, fn func(name string, data []byte) error) error {
	c.mu.Lock()
	nd := c.nodes[id]
	c.mu.Unlock()
	if nd == nil {
		return ErrUnreachable
	}
	if err := walkFS(nd.fs, "", fn); err != nil {
		return err
	}
	nd.snaps.mu.Lock()
	latest := nd.snaps.latest
	nd.snaps.mu.Unlock()
	if latest != nil {
		return fn("snapshots/"+latest.meta.ID, latest.data)
	}
	return nil
}

func walkFS(fsys vfs.FS, dir string, fn func(string, []byte) error) error {
	names, err := fsys.List(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	for _, n := range names {
		p := path.Join(dir, n)
		st, err := fsys.Stat(p)
		if err != nil {
			continue // removed meanwhile
		}
		if st.IsDir() {
			if err := walkFS(fsys, p, fn); err != nil {
				return err
			}
			continue
		}
		f, err := fsys.Open(p)
		if err != nil {
			continue
		}
		data, err := io.ReadAll(f)
		_ = f.Close()
		if err != nil {
			return err
		}
		if err := fn(p, data); err != nil {
			return err
		}
	}
	return nil
}
