package node

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/hashicorp/raft"
)

// The data dir holds the Raft log, the metadata FSM and snapshots: every
// user, key (secrets sealed, see raftmeta) and grant. It must be private to
// the node's user. Decision: a data dir readable or writable by group or
// others is fixed (chmod 0700) with a warning rather than refused, and so
// are the metadata files and directories already in it (0600 / 0700); a
// refusal would only make operators chmod by hand. Shard files are not
// walked (there are many; the 0700 data dir already shuts others out).
const (
	dirMode  os.FileMode = 0o700
	fileMode os.FileMode = 0o600
)

// metaDirs are the data dir's metadata subdirectories (relative).
var metaDirs = []string{"raft", "meta"}

// secureDataDir creates dir (0700) or makes an existing one private.
func secureDataDir(dir string, log *slog.Logger) error {
	st, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, dirMode); err != nil {
			return fmt.Errorf("node: data dir: %w", err)
		}
		return os.Chmod(dir, dirMode) // MkdirAll's mode is masked by the umask
	}
	if err != nil {
		return fmt.Errorf("node: data dir: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("node: data dir %s is not a directory", dir)
	}
	if st.Mode().Perm()&0o077 != 0 {
		log.Warn("node: data dir was accessible to group or others; made private", "dir", dir,
			"mode", fmt.Sprintf("%#o", st.Mode().Perm()), "now", fmt.Sprintf("%#o", dirMode))
		if err := os.Chmod(dir, dirMode); err != nil {
			return fmt.Errorf("node: make data dir private: %w", err)
		}
	}
	fixed := 0
	fix := func(p string, want os.FileMode) error {
		st, err := os.Lstat(p)
		if err != nil || st.Mode()&os.ModeSymlink != 0 || st.Mode().Perm()&0o077 == 0 {
			return nil
		}
		fixed++
		return os.Chmod(p, st.Mode().Perm()&want)
	}
	if err := fix(filepath.Join(dir, "node.json"), fileMode); err != nil {
		return fmt.Errorf("node: make node.json private: %w", err)
	}
	for _, sub := range metaDirs {
		err := filepath.WalkDir(filepath.Join(dir, sub), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil // missing (fresh node) or vanished
			}
			if d.IsDir() {
				return fix(p, dirMode)
			}
			return fix(p, fileMode)
		})
		if err != nil {
			return fmt.Errorf("node: make %s private: %w", sub, err)
		}
	}
	if fixed > 0 {
		log.Warn("node: metadata files were accessible to group or others; made private", "dir", dir, "fixed", fixed)
	}
	return nil
}

// privateFS makes the files and directories a metadata store (raft log,
// FSM) creates private: 0600 files, 0700 directories, whatever the umask.
// It wraps an OS-backed FS (names are real paths).
type privateFS struct{ vfs.FS }

func (p privateFS) private(name string, f vfs.File, err error) (vfs.File, error) {
	if err != nil {
		return f, err
	}
	if cerr := os.Chmod(name, fileMode); cerr != nil && !errors.Is(cerr, fs.ErrNotExist) {
		_ = f.Close()
		return nil, fmt.Errorf("node: make %s private: %w", name, cerr)
	}
	return f, nil
}

func (p privateFS) Create(name string, c vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := p.FS.Create(name, c)
	return p.private(name, f, err)
}

func (p privateFS) OpenReadWrite(name string, c vfs.DiskWriteCategory, opts ...vfs.OpenOption) (vfs.File, error) {
	f, err := p.FS.OpenReadWrite(name, c, opts...)
	return p.private(name, f, err)
}

func (p privateFS) ReuseForWrite(oldname, newname string, c vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := p.FS.ReuseForWrite(oldname, newname, c)
	return p.private(newname, f, err)
}

func (p privateFS) Lock(name string) (io.Closer, error) {
	c, err := p.FS.Lock(name)
	if err == nil {
		_ = os.Chmod(name, fileMode) // an empty lock file: best effort
	}
	return c, err
}

func (p privateFS) MkdirAll(dir string, _ os.FileMode) error {
	if err := p.FS.MkdirAll(dir, dirMode); err != nil {
		return err
	}
	return os.Chmod(dir, dirMode)
}

// privateSnapshots makes raft's file snapshots (written by hashicorp/raft
// with the umask's modes) private once each is complete.
type privateSnapshots struct {
	raft.SnapshotStore
	dir string
	log *slog.Logger
}

func (s privateSnapshots) Create(v raft.SnapshotVersion, index, term uint64, c raft.Configuration,
	ci uint64, tr raft.Transport) (raft.SnapshotSink, error) {
	sink, err := s.SnapshotStore.Create(v, index, term, c, ci, tr)
	if err != nil {
		return sink, err
	}
	return privateSink{SnapshotSink: sink, s: s}, nil
}

type privateSink struct {
	raft.SnapshotSink
	s privateSnapshots
}

func (k privateSink) Close() error {
	if err := k.SnapshotSink.Close(); err != nil {
		return err
	}
	err := filepath.WalkDir(k.s.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // a snapshot reaped meanwhile
		}
		mode := fileMode
		if d.IsDir() {
			mode = dirMode
		}
		if cerr := os.Chmod(p, mode); cerr != nil && !errors.Is(cerr, fs.ErrNotExist) {
			return cerr
		}
		return nil
	})
	if err != nil {
		k.s.log.Warn("node: make raft snapshots private", "err", err)
	}
	return nil
}
