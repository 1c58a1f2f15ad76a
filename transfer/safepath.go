package transfer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/datamon-io/datamon/manifest"
)

// ResolvePath maps a manifest path to a file system path under dest, or
// fails with ErrUnsafePath: the path must pass manifest.ValidatePath (no
// absolute path, no "..", "." or empty segment), and no existing component
// between dest and the entry (exclusive) may be a symlink or a non-directory.
// The entry itself may exist as anything (it is replaced, never followed).
func ResolvePath(dest, p string) (string, error) {
	if err := checkRel(p); err != nil {
		return "", err
	}
	cur := dest
	segs := strings.Split(p, "/")
	for i, s := range segs[:len(segs)-1] {
		cur = filepath.Join(cur, s)
		fi, err := os.Lstat(cur)
		if errors.Is(err, fs.ErrNotExist) {
			return filepath.Join(dest, filepath.FromSlash(p)), nil // the rest will be created
		}
		if err != nil {
			return "", fmt.Errorf("transfer: %q: %w", p, err)
		}
		if err := checkDir(fi, strings.Join(segs[:i+1], "/")); err != nil {
			return "", err
		}
	}
	return filepath.Join(dest, filepath.FromSlash(p)), nil
}

// checkRel validates a manifest path for writing.
func checkRel(p string) error {
	if err := manifest.ValidatePath(p); err != nil {
		return fmt.Errorf("%w: %q: %v", ErrUnsafePath, p, err)
	}
	if filepath.Separator != '/' && strings.ContainsRune(p, filepath.Separator) {
		return fmt.Errorf("%w: %q contains %q", ErrUnsafePath, p, filepath.Separator)
	}
	return nil
}

func checkDir(fi fs.FileInfo, rel string) error {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%w: %q is a symlink", ErrUnsafePath, rel)
	case !fi.IsDir():
		return fmt.Errorf("%w: %q is not a directory", ErrUnsafePath, rel)
	}
	return nil
}

// destDir is a download destination. Every operation goes through an
// os.Root (which the kernel-level lookups confine to the destination) and
// parent directories are created component by component, refusing symlinks.
type destDir struct {
	root *os.Root
	mu   sync.Mutex
	dirs map[string]bool // directories verified or created (slash paths)
	seq  atomic.Int64
}

func openDest(dir string) (*destDir, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("transfer: destination: %w", err)
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("transfer: destination: %w", err)
	}
	return &destDir{root: r, dirs: map[string]bool{}}, nil
}

func (d *destDir) Close() error { return d.root.Close() }

// mkdirs makes sure every component of rel (a valid slash path, or "") is a
// real directory, creating missing ones.
func (d *destDir) mkdirs(rel string) error {
	if rel == "" || rel == "." {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	segs := strings.Split(rel, "/")
	for i := range segs {
		cur := strings.Join(segs[:i+1], "/")
		if d.dirs[cur] {
			continue
		}
		native := filepath.FromSlash(cur)
		fi, err := d.root.Lstat(native)
		if errors.Is(err, fs.ErrNotExist) {
			if err = d.root.Mkdir(native, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("transfer: mkdir %q: %w", cur, err)
			}
			fi, err = d.root.Lstat(native)
		}
		if err != nil {
			return fmt.Errorf("transfer: %q: %w", cur, err)
		}
		if err := checkDir(fi, cur); err != nil {
			return err
		}
		d.dirs[cur] = true
	}
	return nil
}

// parent makes rel's parent directories and returns rel's native form.
func (d *destDir) parent(rel string) (string, error) {
	if err := checkRel(rel); err != nil {
		return "", err
	}
	if err := d.mkdirs(path.Dir(rel)); err != nil {
		return "", err
	}
	return filepath.FromSlash(rel), nil
}

// tempName returns a fresh temporary name in rel's directory.
func (d *destDir) tempName(native string) string {
	return filepath.Join(filepath.Dir(native), fmt.Sprintf(".datamon-tmp-%d-%d", os.Getpid(), d.seq.Add(1)))
}

func nativePath(rel string) string { return filepath.FromSlash(rel) }
