package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// edgeChunkMax is the chunker's maximum chunk size (chunk.DefaultChunkerConfig().Max).
const edgeChunkMax = 4 << 20

// writeSeeded writes n pseudo-random bytes (seeded) to path with mode.
func writeSeeded(t *testing.T, path string, n int, seed uint64, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), 1})
	_, _ = r.Read(b)
	if err := os.WriteFile(path, b, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// makeEdgeTree builds datamon's edge-case tree: files of 0 B, 1 B, 1 KiB,
// chunk-size − 1, chunk-size, chunk-size + 1, 3 × chunk-size, paths 7 levels
// deep, symlinks, empty directories and several modes.
func makeEdgeTree(t *testing.T, dir string) {
	t.Helper()
	files := []struct {
		path string
		size int
		mode os.FileMode
	}{
		{"empty", 0, 0o644},
		{"one", 1, 0o600},
		{"kib.bin", 1 << 10, 0o644},
		{"big/chunk-minus-1", edgeChunkMax - 1, 0o644},
		{"big/chunk", edgeChunkMax, 0o444},
		{"big/chunk-plus-1", edgeChunkMax + 1, 0o644},
		{"big/three-chunks", 3 * edgeChunkMax, 0o755},
		{"a/b/c/d/e/f/deep.txt", 777, 0o640},
		{"a/b/c/d/e/f/g/deeper.txt", 1 << 12, 0o644},
		{"dir with space/ünïcode.txt", 99, 0o644},
		{"a.txt", 10, 0o644}, // sorts before "a/" byte-wise
	}
	for i, f := range files {
		writeSeeded(t, filepath.Join(dir, f.path), f.size, uint64(i+1), f.mode)
	}
	for _, d := range []string{"emptydir", "a/b/empty-nested"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("kib.bin", filepath.Join(dir, "link-to-kib")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../one", filepath.Join(dir, "a/b/link-up")); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(dir, "kib.bin"), old, old); err != nil {
		t.Fatal(err)
	}
}

// treeDigest describes a tree: one line per path with type, mode, size and
// content hash (or link target); the .datamon directory is ignored.
func treeDigest(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		if rel == ".datamon" || strings.HasPrefix(rel, ".datamon/") {
			return filepath.SkipDir
		}
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			tgt, _ := os.Readlink(p)
			out[rel] = "link " + tgt
		case info.IsDir():
			out[rel] = fmt.Sprintf("dir %o", info.Mode().Perm())
		default:
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			h := sha256.New()
			_, err = io.Copy(h, f)
			f.Close()
			if err != nil {
				return err
			}
			out[rel] = fmt.Sprintf("file %o %d %s", info.Mode().Perm(), info.Size(), hex.EncodeToString(h.Sum(nil)))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func compareTrees(t *testing.T, want, got map[string]string) {
	t.Helper()
	var keys []string
	for k := range want {
		keys = append(keys, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	bad := 0
	for _, k := range keys {
		if want[k] != got[k] {
			bad++
			if bad <= 10 {
				t.Errorf("%s: want %q, got %q", k, want[k], got[k])
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d paths differ", bad)
	}
}

// mtimeOf returns a file's mtime (seconds).
func mtimeOf(t *testing.T, p string) int64 {
	t.Helper()
	info, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return info.ModTime().Unix()
}

// bundleID extracts the ID from "Uploaded bundle id:<ID>".
func bundleID(t *testing.T, out string) string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if id, ok := strings.CutPrefix(strings.TrimSpace(l), "Uploaded bundle id:"); ok {
			return id
		}
	}
	t.Fatalf("no bundle id in %q", out)
	return ""
}

// nonDirs keeps files and symlinks.
func nonDirs(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if !strings.HasPrefix(v, "dir ") {
			out[k] = v
		}
	}
	return out
}
