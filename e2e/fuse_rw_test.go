package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/datamon-io/datamon/transfer"
)

// fuseEdits applies the read-write test's changes under root (the mount,
// and a plain copy holding the expected tree).
func fuseEdits(t *testing.T, root string) {
	t.Helper()
	p := func(s string) string { return filepath.Join(root, s) }
	fuseMust(t, os.MkdirAll(p("added/sub"), 0o755))
	fuseMust(t, os.WriteFile(p("added/new.txt"), []byte("hello from a mount\n"), 0o644))
	fuseWriteRandom(t, p("added/sub/blob"), 1<<20+17, 99, 0o640)
	// Overwrite in the middle of a large base file.
	f, err := os.OpenFile(p("data/large.bin"), os.O_RDWR, 0)
	fuseMust(t, err)
	_, err = f.WriteAt([]byte(strings.Repeat("MIDDLE", 700)), 6<<20)
	fuseMust(t, err)
	fuseMust(t, f.Close())
	fuseMust(t, os.Truncate(p("big/chunk+1"), 1000))
	fuseMust(t, os.Rename(p("one"), p("renamed-one")))
	fuseMust(t, os.Rename(p("a/b"), p("moved-b")))
	fuseMust(t, os.Remove(p("big/chunk-1")))
	fuseMust(t, os.Remove(p("emptydir")))
	fuseMust(t, os.Chmod(p("empty"), 0o600))
	fuseMust(t, os.Chmod(p("private"), 0o750))
	fuseMust(t, os.Symlink("../renamed-one", p("added/link")))
	fuseMust(t, os.Remove(p("dir with space/ü.txt")))
	fuseMust(t, os.WriteFile(p("dir with space/ü.txt"), []byte("replaced"), 0o644))
	fuseMust(t, os.RemoveAll(p("many")))
	fuseMust(t, os.Mkdir(p("many"), 0o755))
	fuseMust(t, os.WriteFile(p("many/only"), []byte("only one now"), 0o644))
}

var committedRE = regexp.MustCompile(`committed (\d+) files, (\d+) chunks \((\d+) new, (\d+) bytes sent\)`)

// TestFuseReadWrite: a copy-on-write mount of a label, edited through the
// kernel, committed on unmount; the new bundle downloads as the expected
// tree, has the label's bundle as parent, and unchanged chunks were not sent
// again. Then a commit that fails (missing repo, ended by SIGTERM) keeps its
// staging directory and `bundle mount commit` retries it.
func TestFuseReadWrite(t *testing.T) {
	requireFUSE(t)
	c := startCluster(t, 3, 3, "")
	tmp := t.TempDir()
	src, exp := filepath.Join(tmp, "src"), filepath.Join(tmp, "exp")
	fuseEdgeTree(t, src)
	fuseWriteRandom(t, filepath.Join(src, "data/large.bin"), 12<<20, 42, 0o644)
	fuseWriteRandom(t, filepath.Join(src, "data/keep/x.bin"), 3<<20, 43, 0o644)
	base := fuseUpload(t, c, "fuserw", src, "base")
	if out, err := exec.Command("cp", "-a", src, exp).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	fuseEdits(t, exp)

	mnt, stg := filepath.Join(tmp, "mnt"), filepath.Join(tmp, "staging")
	m := fuseStartMount(t, c, mnt, "bundle", "mount", "new", "--repo", "fuserw", "--from-label", "base",
		"--label", "next", "--message", "edited through FUSE", "--staging", stg)
	fuseEdits(t, mnt)
	want := fuseScan(t, exp, false)
	fuseDiff(t, "mount view vs expected", want, fuseScan(t, mnt, false))
	if err := m.unmount(t, 2*time.Minute); err != nil {
		t.Fatalf("mount process: %v\n%s", err, m.stderr)
	}
	id := regexp.MustCompile(`Uploaded bundle id:(\S+)`).FindStringSubmatch(m.stdout.String())
	if id == nil {
		t.Fatalf("no bundle id in stdout %q, stderr %s", m.stdout, m.stderr)
	}
	if _, err := os.Stat(stg); !os.IsNotExist(err) {
		t.Errorf("staging dir not removed after a successful commit: %v", err)
	}
	cl, err := c.Client()
	fuseMust(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	nb, err := cl.GetBundle(ctx, "default", "fuserw", id[1])
	fuseMust(t, err)
	if len(nb.Parents) != 1 || nb.Parents[0] != base.ID {
		t.Errorf("parents %v, want [%s]", nb.Parents, base.ID)
	}
	if l, err := cl.GetLabel(ctx, "default", "fuserw", "next"); err != nil || l.BundleID != nb.ID {
		t.Errorf("label next: %+v %v", l, err)
	}
	dl := filepath.Join(tmp, "dl")
	_, err = transfer.Download(ctx, cl, transfer.DownloadOptions{Bundle: nb, Destination: dl})
	fuseMust(t, err)
	fuseDiff(t, "committed bundle vs expected", want, fuseScan(t, dl, false))

	// Dedup: only the edited/new data was sent (edit touches <= 2 chunks).
	sm := committedRE.FindStringSubmatch(m.stderr.String())
	if sm == nil {
		t.Fatalf("no commit stats in stderr: %s", m.stderr)
	}
	sent, _ := strconv.Atoi(sm[4])
	if sent < 1<<20 || sent > 1<<20+2*fuseChunkMax+64<<10 {
		t.Errorf("commit sent %d bytes; want only the new blob and the edited chunks (%s)", sent, sm[0])
	}
	t.Logf("commit: %s", sm[0])

	// A failed commit keeps the staging dir; `mount commit` retries it.
	mnt2, stg2 := filepath.Join(tmp, "mnt2"), filepath.Join(tmp, "staging2")
	m2 := fuseStartMount(t, c, mnt2, "bundle", "mount", "new", "--repo", "fuse-later", "--message", "retry", "--staging", stg2)
	fuseMust(t, os.WriteFile(filepath.Join(mnt2, "f.txt"), []byte("kept"), 0o644))
	fuseMust(t, m2.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-m2.exited:
	case <-time.After(time.Minute):
		t.Fatal("mount new did not exit after SIGTERM")
	}
	if m2.err == nil || !strings.Contains(m2.stderr.String(), "commit FAILED") || fuseMounted(mnt2) {
		t.Fatalf("want a failed commit and no mount: err %v mounted %v\n%s", m2.err, fuseMounted(mnt2), m2.stderr)
	}
	if b, err := os.ReadFile(filepath.Join(stg2, "tree", "f.txt")); err != nil || string(b) != "kept" {
		t.Fatalf("staged file: %q %v", b, err)
	}
	mustCLI(t, c, "repo", "create", "--repo", "fuse-later", "--description", "d")
	out := mustCLI(t, c, "bundle", "mount", "commit", "--staging", stg2)
	if !strings.Contains(out, "Uploaded bundle id:") {
		t.Fatalf("retry: %s", out)
	}
	if _, err := os.Stat(stg2); !os.IsNotExist(err) {
		t.Errorf("staging2 not removed: %v", err)
	}
}
