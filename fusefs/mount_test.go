//go:build (cgo && linux && fuse3) || (cgo && darwin)

package fusefs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/datamon-io/datamon/manifest"
	"github.com/datamon-io/datamon/model"
)

func requireDevFUSE(t *testing.T) {
	if _, err := os.Stat("/dev/fuse"); err != nil {
		t.Skip("!!!! SKIPPING FUSE TEST: /dev/fuse is absent — mounts are NOT tested !!!!")
	}
}

// TestFuseManyFilesBoundedMemory mounts a 60k-entry bundle (one flat
// directory of 40k files, 80 directories of 1000) and walks all of it
// through the kernel: every entry is listed with the right attributes while
// the heap stays bounded by the metadata cache, not the bundle size.
func TestFuseManyFilesBoundedMemory(t *testing.T) {
	requireDevFUSE(t)
	ctx := context.Background()
	st := &dirStore{dir: t.TempDir()}
	w := manifest.NewWriter(ctx, st, manifest.DefaultWriterConfig())
	mt := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC).UnixNano()
	var paths []string
	for d := range 40 {
		for f := range 1000 {
			paths = append(paths, fmt.Sprintf("d%03d/f%04d", d, f))
		}
	}
	for f := range 20000 {
		paths = append(paths, fmt.Sprintf("flat/file-%06d", f))
	}
	// Writer order is byte-wise: "d000" < "d000/..." < "d001"; "flat" after.
	last := ""
	for _, p := range paths {
		if dir := parentOf(p); dir != last {
			if err := w.Add(manifest.Entry{Path: dir, Type: manifest.Dir, Mode: 0o750, MTime: mt}); err != nil {
				t.Fatal(err)
			}
			last = dir
		}
		if err := w.Add(manifest.Entry{Path: p, Type: manifest.File, Mode: 0o640, MTime: mt}); err != nil {
			t.Fatal(err)
		}
	}
	root, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	paths = nil
	cfg := DefaultConfig()
	cfg.MetaCacheSize, cfg.CacheSize = 4<<20, 16<<20
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	mnt := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	b := model.Bundle{Repo: "r", ID: "many", ManifestRoot: root.ID, Timestamp: time.Now()}
	m, err := MountReadOnly(ctx, st, cfg, b, mnt)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := m.Unmount(ctx); err != nil {
			t.Errorf("unmount: %v", err)
		}
	}()
	var peak uint64
	sample := func() {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}
	n := 0
	err = filepath.WalkDir(mnt, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		n++
		fi, err := d.Info() // lstat every entry, like ls -lR
		if err != nil {
			return err
		}
		if !d.IsDir() && (fi.Mode().Perm() != 0o640 || fi.ModTime().UnixNano() != mt) {
			return fmt.Errorf("%s: mode %v mtime %v", p, fi.Mode(), fi.ModTime())
		}
		if n%20000 == 0 {
			sample()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := 1 + 41 + 60000; n != want {
		t.Errorf("walked %d entries, want %d", n, want)
	}
	sample()
	growth := int64(peak) - int64(before.HeapInuse)
	t.Logf("walked %d entries; heap growth %.1f MiB (metadata cache %d MiB)", n, float64(growth)/(1<<20), cfg.MetaCacheSize>>20)
	if growth > 48<<20 {
		t.Errorf("heap grew %d bytes walking 60k entries: not bounded", growth)
	}
	if err := os.WriteFile(filepath.Join(mnt, "x"), nil, 0o644); err == nil {
		t.Error("write to a read-only mount succeeded")
	}
}
