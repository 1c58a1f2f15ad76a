package transfer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/datamon-io/datamon/manifest"
	"github.com/datamon-io/datamon/model"
)

func TestResolvePathRejectsEscapes(t *testing.T) {
	dest := t.TempDir()
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dest, "link")); err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, dest, "file", []byte("x"), 0o644)
	for _, p := range []string{"../x", "/etc/x", "a/../../x", "a/./x", "", ".", "..", "a//x", "a/", "link/x", "link/a/b", "file/x", "x\x00y"} {
		if got, err := ResolvePath(dest, p); !errors.Is(err, ErrUnsafePath) {
			t.Errorf("ResolvePath(%q) = %q, %v; want ErrUnsafePath", p, got, err)
		}
	}
	for p, want := range map[string]string{"x": "x", "a/b/c": "a/b/c", "link": "link", "new/deep/x": "new/deep/x", `a\b`: `a\b`} {
		if got, err := ResolvePath(dest, p); err != nil || got != filepath.Join(dest, want) {
			t.Errorf("ResolvePath(%q) = %q, %v", p, got, err)
		}
	}
}

// writeManifest stores entries (sorted) as a bundle without the walker.
func writeManifest(t *testing.T, st *memStore, es ...manifest.Entry) model.Bundle {
	t.Helper()
	w := manifest.NewWriter(context.Background(), st, manifest.WriterConfig{})
	for _, e := range es {
		if err := w.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	root, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	return model.Bundle{ID: "B1", ManifestRoot: root.ID}
}

func fileEntry(t *testing.T, st *memStore, path string, data []byte) manifest.Entry {
	t.Helper()
	id, err := st.PutChunk(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	return manifest.Entry{Path: path, Type: manifest.File, Size: int64(len(data)), Mode: 0o644,
		Chunks: []manifest.ChunkRef{{ID: id, Size: uint32(len(data))}}}
}

func emptyDir(t *testing.T, dir string) {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil || len(des) != 0 {
		t.Fatalf("%s written to: %v %v", dir, des, err)
	}
}

func TestDownloadNeverWritesOutside(t *testing.T) {
	st := newMemStore()
	outside := t.TempDir()
	// 1. The manifest makes "a" a symlink to outside, then writes "a/x".
	b := writeManifest(t, st,
		manifest.Entry{Path: "a", Type: manifest.Symlink, Target: outside, Size: int64(len(outside)), Mode: 0o777},
		fileEntry(t, st, "a/x", []byte("evil")),
		fileEntry(t, st, "b", []byte("fine")))
	for _, conc := range []int{1, 4} {
		dst := t.TempDir()
		_, err := Download(context.Background(), st, DownloadOptions{Bundle: b, Destination: dst, Force: true, Config: Config{Concurrency: conc}})
		if err == nil {
			t.Fatalf("concurrency %d: symlink-then-write download succeeded", conc)
		}
		emptyDir(t, outside)
	}
	// 2. The destination already holds a symlink component pointing outside.
	b = writeManifest(t, st, fileEntry(t, st, "link/x", []byte("evil")), fileEntry(t, st, "link/y/z", []byte("evil")))
	dst := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dst, "link")); err != nil {
		t.Fatal(err)
	}
	if _, err := Download(context.Background(), st, DownloadOptions{Bundle: b, Destination: dst, Force: true}); !errors.Is(err, ErrUnsafePath) {
		t.Fatalf("download through a destination symlink: %v", err)
	}
	if _, err := DownloadFile(context.Background(), st, Config{}, b, "link/x", dst); !errors.Is(err, ErrUnsafePath) {
		t.Fatalf("download file through a destination symlink: %v", err)
	}
	emptyDir(t, outside)
	// 3. Hand-made leaf pages with a Dir entry at "../x", "/etc/x",
	// "a/../../x" (manifest.Writer refuses such paths, so the pages are
	// built byte by byte): the download fails and nothing lands outside.
	for _, p := range []string{"ok/x", "../x", "/etc/x", "a/../../x"} {
		page := append([]byte{0xD7, 1, 1, 1, 0, byte(len(p))}, p...)
		page = append(page, byte(manifest.Dir), 0, 0)
		id, _ := st.PutChunk(context.Background(), page)
		parent := t.TempDir()
		dst := filepath.Join(parent, "d", "dst")
		_, err := Download(context.Background(), st, DownloadOptions{Root: id, Destination: dst})
		if p == "ok/x" { // control: the hand-made page format is right
			if fi, err2 := os.Stat(filepath.Join(dst, "ok/x")); err != nil || err2 != nil || !fi.IsDir() {
				t.Fatalf("control page: %v %v", err, err2)
			}
			continue
		}
		if err == nil {
			t.Fatalf("raw page with %q: download succeeded", p)
		}
		if _, err := os.Lstat(filepath.Join(parent, "x")); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("raw page with %q wrote outside", p)
		}
		if err := checkRel(p); !errors.Is(err, ErrUnsafePath) {
			t.Errorf("checkRel(%q) = %v", p, err)
		}
	}
	// 4. Symlinks in the bundle are created as links, never followed.
	b = writeManifest(t, st, manifest.Entry{Path: "l", Type: manifest.Symlink, Target: "../../etc/passwd", Size: 16, Mode: 0o777})
	dst = t.TempDir()
	if _, err := Download(context.Background(), st, DownloadOptions{Bundle: b, Destination: dst}); err != nil {
		t.Fatal(err)
	}
	if tgt, err := os.Readlink(filepath.Join(dst, "l")); err != nil || tgt != "../../etc/passwd" {
		t.Fatalf("symlink: %q %v", tgt, err)
	}
}
