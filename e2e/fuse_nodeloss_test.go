package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestFuseNodeLoss: SIGKILL the node the mount talks to (its first
// endpoint) during a large sequential read: the read completes correctly.
// Then the whole cluster dies: reads of uncached data fail with EIO, and
// the mount still unmounts cleanly (lazily, with a file still open) and
// no process is left behind.
func TestFuseNodeLoss(t *testing.T) {
	requireFUSE(t)
	c := startCluster(t, 4, 2, "2+1")
	src := filepath.Join(t.TempDir(), "src")
	fuseWriteRandom(t, filepath.Join(src, "large.bin"), 48<<20, 7, 0o644)
	fuseWriteRandom(t, filepath.Join(src, "later.bin"), 6<<20, 8, 0o644)
	fuseUpload(t, c, "fuseloss", src, "v1")
	mnt := filepath.Join(t.TempDir(), "mnt")
	// Smallest cache allowed with --prefetch 1, so most data is fetched after the kill.
	m := fuseStartMount(t, c, mnt, "bundle", "mount", "--repo", "fuseloss", "--label", "v1",
		"--cache-size", "12MB", "--prefetch", "1")

	f, err := os.Open(filepath.Join(mnt, "large.bin"))
	fuseMust(t, err)
	defer f.Close()
	h := sha256.New()
	if _, err := io.CopyN(h, f, 6<<20); err != nil {
		t.Fatal(err)
	}
	fuseMust(t, c.Kill(0))
	t.Logf("killed node 0 (the mount's first endpoint) after 6 MiB")
	start := time.Now()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatalf("read after node loss: %v", err)
	}
	want, err := fuseSHA(filepath.Join(src, "large.bin"))
	fuseMust(t, err)
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		t.Fatalf("read across node loss differs: %s != %s", got, want)
	}
	t.Logf("rest of the read took %v", time.Since(start))

	// The whole cluster dies: EIO, then a clean unmount.
	for i := range c.Nodes {
		if c.Nodes[i].Running() {
			fuseMust(t, c.Kill(i))
		}
	}
	start = time.Now()
	_, err = os.ReadFile(filepath.Join(mnt, "later.bin"))
	if !errors.Is(err, syscall.EIO) {
		t.Errorf("read with the cluster dead: %v, want EIO", err)
	}
	t.Logf("EIO after %v", time.Since(start))
	// f stays open: only a lazy unmount works, and the mount process must
	// still end (it aborts its FUSE connection once the mount is gone).
	if err := m.unmount(t, 30*time.Second, "-z"); err != nil {
		t.Errorf("mount process after cluster death: %v\n%s", err, m.stderr)
	}
	if fuseMounted(mnt) {
		t.Errorf("%s still mounted", mnt)
	}
}
