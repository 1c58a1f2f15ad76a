package transfer

import (
	"bytes"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"golang.org/x/sys/unix"
)

// randBytes returns n deterministic pseudo-random bytes.
func randBytes(seed uint64, n int) []byte {
	b := make([]byte, n)
	var s [32]byte
	s[0], s[1] = byte(seed), byte(seed>>8)
	_, _ = rand.NewChaCha8(s).Read(b)
	return b
}

func writeTestFile(t *testing.T, root, rel string, data []byte, mode fs.FileMode) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

var testTime = time.Date(2001, 2, 3, 4, 5, 6, 789, time.UTC)

// edgeTree builds datamon's CLI test tree plus what datamon lost: modes,
// symlinks, empty directories, byte-order traps ("a", "a.txt", "a-b", "a/b").
func edgeTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	max := chunk.DefaultChunkerConfig().Max
	files := []struct {
		rel  string
		size int
		mode fs.FileMode
	}{
		{"zero.bin", 0, 0o644},
		{"one.bin", 1, 0o600},
		{"kib.txt", 1024, 0o444},
		{"sizes/max-1.bin", max - 1, 0o644},
		{"sizes/max.bin", max, 0o755},
		{"sizes/max+1.bin", max + 1, 0o644},
		{"sizes/3max.bin", 3 * max, 0o644},
		{"a/b/c/d/e/f/deep7.txt", 100, 0o644},
		{"1/2/3/4/5/deep6.txt", 200, 0o600},
		{"a.txt", 10, 0o644},
		{"a-b", 11, 0o644},
		{"a/b.txt", 12, 0o644},
		{"name with spaces/é.txt", 13, 0o644},
		{".datamon/ignored.json", 14, 0o644},
	}
	for i, f := range files {
		writeTestFile(t, root, f.rel, randBytes(uint64(i+1), f.size), f.mode)
	}
	for _, d := range []string{"empty", "nested/empty/inner"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(root, "nested/empty"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "links"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"rel": "../a.txt", "abs": "/etc/passwd", "dangling": "nowhere/x"} {
		if err := os.Symlink(target, filepath.Join(root, "links", name)); err != nil {
			t.Fatal(err)
		}
	}
	setTimes(t, root)
	return root
}

// setTimes gives every file and directory a distinct fixed mtime.
func setTimes(t *testing.T, root string) {
	t.Helper()
	var paths []string
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && p != root {
			paths = append(paths, p)
		}
		return err
	})
	for i := len(paths) - 1; i >= 0; i-- { // children before parents
		mt := testTime.Add(time.Duration(i) * time.Hour)
		ts := unix.NsecToTimespec(mt.UnixNano())
		if err := unix.UtimesNanoAt(unix.AT_FDCWD, paths[i], []unix.Timespec{ts, ts}, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			t.Fatal(err)
		}
	}
}

// sameTree fails unless want and got hold the same paths (reserved ones
// excluded) with equal types, permission bits, contents, targets and mtimes
// (mtimes for files and directories).
func sameTree(t *testing.T, want, got string) {
	t.Helper()
	w, g := snapshot(t, want), snapshot(t, got)
	for p, x := range w {
		y, ok := g[p]
		if !ok {
			t.Errorf("%s: missing", p)
			continue
		}
		if x != y {
			t.Errorf("%s: got %+v, want %+v", p, y, x)
		}
	}
	for p := range g {
		if _, ok := w[p]; !ok {
			t.Errorf("%s: unexpected", p)
		}
	}
}

type fileState struct {
	mode    fs.FileMode
	content string // file bytes or symlink target
	mtime   int64
}

func snapshot(t *testing.T, root string) map[string]fileState {
	t.Helper()
	out := map[string]fileState{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, root+string(filepath.Separator)))
		if IsReserved(rel) {
			return fs.SkipDir
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		s := fileState{mode: fi.Mode()}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			s.content, err = os.Readlink(p)
			s.mtime = fi.ModTime().UnixNano()
		case fi.Mode().IsRegular():
			var b []byte
			b, err = os.ReadFile(p)
			s.content = string(b)
			s.mtime = fi.ModTime().UnixNano()
		default:
			s.mtime = fi.ModTime().UnixNano()
		}
		out[rel] = s
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func fileEq(t *testing.T, p string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(p)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("%s: %d bytes, err %v; want %d bytes", p, len(got), err, len(want))
	}
}
