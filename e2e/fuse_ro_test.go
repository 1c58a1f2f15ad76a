package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/datamon-io/datamon/manifest"
)

// TestFuseReadOnly mounts the edge-case tree read-only through the CLI and
// checks find/stat against the original and the manifest, content hashes,
// random-offset reads, 8 concurrent readers, EROFS, and a clean unmount.
func TestFuseReadOnly(t *testing.T) {
	requireFUSE(t)
	c := startCluster(t, 3, 3, "")
	src := filepath.Join(t.TempDir(), "src")
	fuseEdgeTree(t, src)
	b := fuseUpload(t, c, "fusero", src, "v1")
	mnt := filepath.Join(t.TempDir(), "mnt")
	m := fuseStartMount(t, c, mnt, "bundle", "mount", "--repo", "fusero", "--label", "v1", "--cache-size", "32MB")

	want := fuseScan(t, src, true)
	got := fuseScan(t, mnt, true)
	fuseDiff(t, "mount vs original", want, got)

	// find/stat equals the manifest.
	cl, err := c.Client()
	fuseMust(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := manifest.Open(ctx, cl, b.ManifestRoot)
	fuseMust(t, err)
	n := 0
	fuseMust(t, r.Walk(ctx, "", func(e manifest.Entry) error {
		n++
		g, ok := got[e.Path]
		switch {
		case !ok:
			t.Errorf("manifest entry %s missing from the mount", e.Path)
		case e.Type == manifest.File && (g.Type != "file" || g.Size != e.Size || uint32(g.Mode) != e.Mode&0o777 || g.MTime != e.MTime):
			t.Errorf("%s: mount %+v, manifest %+v", e.Path, g, e)
		case e.Type == manifest.Symlink && (g.Type != "link" || g.Target != e.Target):
			t.Errorf("%s: mount %+v, manifest %+v", e.Path, g, e)
		case e.Type == manifest.Dir && (g.Type != "dir" || uint32(g.Mode) != e.Mode&0o777):
			t.Errorf("%s: mount %+v, manifest %+v", e.Path, g, e)
		}
		return nil
	}))
	if n != len(got) {
		t.Errorf("manifest has %d entries, mount %d", n, len(got))
	}
	// Stable inode numbers, owner = mounting user.
	var st1, st2 syscall.Stat_t
	fuseMust(t, syscall.Lstat(filepath.Join(mnt, "big/chunk"), &st1))
	fuseMust(t, syscall.Lstat(filepath.Join(mnt, "big/chunk"), &st2))
	if st1.Ino != st2.Ino || st1.Ino <= 1 || st1.Uid != uint32(os.Getuid()) {
		t.Errorf("inode %d/%d uid %d", st1.Ino, st2.Ino, st1.Uid)
	}

	// Random-offset reads equal the original.
	rng := rand.New(rand.NewPCG(1, 2))
	for _, name := range []string{"big/chunk-1", "big/chunk", "big/chunk+1", "one", "a/b/c/d/e/f/g/h/i/j/deep.bin"} {
		orig, err := os.ReadFile(filepath.Join(src, name))
		fuseMust(t, err)
		f, err := os.Open(filepath.Join(mnt, name))
		fuseMust(t, err)
		for range 40 {
			off := rng.IntN(len(orig) + 1)
			buf := make([]byte, rng.IntN(300_000)+1)
			k, err := f.ReadAt(buf, int64(off))
			if err != nil && !errors.Is(err, io.EOF) {
				t.Fatalf("%s: ReadAt(%d): %v", name, off, err)
			}
			if want := min(len(buf), len(orig)-off); k != want || string(buf[:k]) != string(orig[off:off+k]) {
				t.Fatalf("%s: ReadAt(%d, %d) = %d bytes, differs from original (want %d)", name, off, len(buf), k, want)
			}
		}
		f.Close()
	}

	// 8 concurrent readers over every file.
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p, e := range want {
				if e.Type != "file" || (i%2 == 1 && strings.HasPrefix(p, "many/")) {
					continue
				}
				if h, err := fuseSHA(filepath.Join(mnt, p)); err != nil || h != e.SHA {
					errs <- errors.New(p + ": concurrent read differs or failed")
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	// Every mutation is refused with EROFS.
	erofs := func(what string, err error) {
		if !errors.Is(err, syscall.EROFS) {
			t.Errorf("%s: got %v, want EROFS", what, err)
		}
	}
	erofs("create", os.WriteFile(filepath.Join(mnt, "new"), []byte("x"), 0o644))
	_, err = os.OpenFile(filepath.Join(mnt, "one"), os.O_WRONLY, 0)
	erofs("open for write", err)
	erofs("mkdir", os.Mkdir(filepath.Join(mnt, "d"), 0o755))
	erofs("unlink", os.Remove(filepath.Join(mnt, "one")))
	erofs("rmdir", os.Remove(filepath.Join(mnt, "emptydir")))
	erofs("rename", os.Rename(filepath.Join(mnt, "one"), filepath.Join(mnt, "two")))
	erofs("chmod", os.Chmod(filepath.Join(mnt, "one"), 0o777))
	erofs("symlink", os.Symlink("x", filepath.Join(mnt, "l")))
	erofs("truncate", os.Truncate(filepath.Join(mnt, "one"), 0))

	if err := m.unmount(t, 30*time.Second); err != nil {
		t.Errorf("mount process: %v\n%s", err, m.stderr)
	}
	if !strings.Contains(m.stderr.String(), "mounted bundle "+b.ID) {
		t.Errorf("stderr: %s", m.stderr)
	}

	// --daemonize: prints the PID once the mount is live; unmounting ends it.
	r2 := cli(t, c, "bundle", "mount", "--repo", "fusero", "--bundle", b.ID, "--mount", mnt, "--daemonize")
	pid, err := strconv.Atoi(strings.TrimSpace(r2.Stdout))
	if r2.Code != 0 || err != nil || pid <= 1 {
		t.Fatalf("daemonize: exit %d stdout %q stderr %s", r2.Code, r2.Stdout, r2.Stderr)
	}
	t.Cleanup(func() {
		_ = exec.Command("fusermount3", "-u", "-z", mnt).Run()
		if pid > 1 { // never -1: that would signal every process
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	if !fuseMounted(mnt) {
		t.Fatal("daemonized mount not live when the parent exited")
	}
	if got, err := os.ReadFile(filepath.Join(mnt, "big/chunk")); err != nil || fmt.Sprint(len(got)) != fmt.Sprint(fuseChunkMax) {
		t.Errorf("read through daemonized mount: %d bytes, %v", len(got), err)
	}
	if out, err := exec.Command("fusermount3", "-u", mnt).CombinedOutput(); err != nil {
		t.Fatalf("unmount daemonized: %v %s", err, out)
	}
	for i := 0; syscall.Kill(pid, 0) == nil; i++ {
		if i > 300 {
			t.Fatalf("daemonized mount process %d still alive 30s after unmount", pid)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
