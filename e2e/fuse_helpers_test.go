package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/datamon-io/datamon/localcluster"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/transfer"
)

// requireFUSE skips (loudly) only when this machine cannot mount at all.
func requireFUSE(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/dev/fuse"); err != nil {
		t.Skip("!!!! SKIPPING FUSE TEST: /dev/fuse is absent on this machine — FUSE mounts are NOT tested !!!!")
	}
	if _, err := exec.LookPath("fusermount3"); err != nil {
		t.Fatalf("fusermount3 missing (apt-get install fuse3, or make deps): %v", err)
	}
}

// mounted reports whether dir is a mount point (per /proc/self/mountinfo).
func fuseMounted(dir string) bool {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) > 4 && f[4] == dir {
			return true
		}
	}
	return false
}

// fuseMountProc is a `datamon bundle mount ...` process.
type fuseMountProc struct {
	dir            string
	cmd            *exec.Cmd
	stdout, stderr *fuseBuf
	exited         chan struct{}
	err            error
}

type fuseBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *fuseBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *fuseBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fuseStartMount runs the CLI with args plus --mount dir and waits until the
// mount is live. Cleanup unmounts and reaps the process whatever happened.
func fuseStartMount(t *testing.T, c *localcluster.Cluster, dir string, args ...string) *fuseMountProc {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	args = append(args, "--mount", dir)
	m := &fuseMountProc{dir: dir, stdout: &fuseBuf{}, stderr: &fuseBuf{}, exited: make(chan struct{})}
	m.cmd = exec.Command(binary, args...)
	m.cmd.Env = append(os.Environ(), "DATAMON_CONFIG="+c.ClientConfigPath())
	m.cmd.Stdout, m.cmd.Stderr = m.stdout, m.stderr
	m.cmd.SysProcAttr = dieWithTest()
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { m.err = m.cmd.Wait(); close(m.exited) }()
	t.Cleanup(func() {
		if fuseMounted(dir) {
			_ = exec.Command("fusermount3", "-u", "-z", dir).Run()
		}
		select {
		case <-m.exited:
		case <-time.After(60 * time.Second):
			t.Errorf("mount process %d did not exit after unmount: killing it", m.cmd.Process.Pid)
			_ = m.cmd.Process.Kill()
			<-m.exited
		}
		if fuseMounted(dir) {
			t.Errorf("%s is still mounted", dir)
		}
		// libfuse's own noise (its idle-thread default) must not reach the user.
		if strings.Contains(m.stderr.String(), "Ignoring invalid max threads") {
			t.Errorf("the mount printed libfuse's \"Ignoring invalid max threads value\"")
		}
		if t.Failed() {
			t.Logf("mount stdout:\n%s\nmount stderr:\n%s", m.stdout, m.stderr)
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for !fuseMounted(dir) {
		select {
		case <-m.exited:
			t.Fatalf("datamon %s exited before mounting: %v\n%s", strings.Join(args, " "), m.err, m.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not mounted after 60s\n%s", dir, m.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return m
}

// unmount runs fusermount3 -u (plus flags, e.g. -z) and waits for the
// process to exit.
func (m *fuseMountProc) unmount(t *testing.T, timeout time.Duration, flags ...string) error {
	t.Helper()
	if out, err := exec.Command("fusermount3", append(append([]string{"-u"}, flags...), m.dir)...).CombinedOutput(); err != nil {
		t.Fatalf("fusermount3 -u %s: %v: %s", m.dir, err, out)
	}
	select {
	case <-m.exited:
		return m.err
	case <-time.After(timeout):
		t.Fatalf("mount process did not exit %v after unmount\n%s", timeout, m.stderr)
	}
	return nil
}

// fuseWriteRandom writes n pseudo-random bytes (seeded) to path.
func fuseWriteRandom(t *testing.T, path string, n int, seed uint64, mode fs.FileMode) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	for i := n - n%8; i < n; i++ {
		b[i] = byte(r.Uint32())
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

const fuseChunkMax = 4 << 20 // chunker Max

// fuseEdgeTree writes datamon's edge-case tree under dir.
func fuseEdgeTree(t *testing.T, dir string) {
	t.Helper()
	fuseWriteRandom(t, filepath.Join(dir, "empty"), 0, 1, 0o644)
	fuseWriteRandom(t, filepath.Join(dir, "one"), 1, 2, 0o600)
	fuseWriteRandom(t, filepath.Join(dir, "big/chunk-1"), fuseChunkMax-1, 3, 0o644)
	fuseWriteRandom(t, filepath.Join(dir, "big/chunk"), fuseChunkMax, 4, 0o444)
	fuseWriteRandom(t, filepath.Join(dir, "big/chunk+1"), fuseChunkMax+1, 5, 0o755)
	fuseWriteRandom(t, filepath.Join(dir, "a/b/c/d/e/f/g/h/i/j/deep.bin"), 1000, 6, 0o640)
	fuseWriteRandom(t, filepath.Join(dir, "dir with space/ü.txt"), 77, 7, 0o644)
	for i := range 30 {
		fuseWriteRandom(t, filepath.Join(dir, "many", "f"+strings.Repeat("x", i%3)+string(rune('a'+i%26))+"-"+hex.EncodeToString([]byte{byte(i)})), 10+i, uint64(100+i), 0o644)
	}
	for _, d := range []string{"emptydir", "a/b/emptier", "private"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	fuseWriteRandom(t, filepath.Join(dir, "private/secret"), 64, 8, 0o600)
	fuseMust(t, os.Chmod(filepath.Join(dir, "private"), 0o700))
	fuseMust(t, os.Symlink("big/chunk", filepath.Join(dir, "link-to-file")))
	fuseMust(t, os.Symlink("a/b", filepath.Join(dir, "link-to-dir")))
	fuseMust(t, os.Symlink("../nowhere/dangling", filepath.Join(dir, "a/dangling")))
	old := time.Date(2001, 2, 3, 4, 5, 6, 789000000, time.UTC)
	fuseMust(t, os.Chtimes(filepath.Join(dir, "one"), old, old))
}

func fuseMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// fuseUpload creates repo (if needed) and uploads dir as a bundle.
func fuseUpload(t *testing.T, c *localcluster.Cluster, repo, dir, label string) model.Bundle {
	t.Helper()
	cl, err := c.Client()
	fuseMust(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := cl.CreateRepo(ctx, model.Repo{Context: "default", Name: repo, Description: "fuse"}); err != nil && !strings.Contains(err.Error(), "exist") {
		t.Fatal(err)
	}
	b, _, err := transfer.Upload(ctx, cl, cl, transfer.UploadOptions{Context: "default", Repo: repo, Path: dir, Message: "fuse test", Label: label})
	fuseMust(t, err)
	return b
}

// fuseEntry is what find + stat + sha256sum say about one path.
type fuseEntry struct {
	Type   string
	Mode   fs.FileMode
	Size   int64
	MTime  int64
	Target string
	SHA    string
}

// fuseScan walks dir like `find` and stats/hashes every entry.
func fuseScan(t *testing.T, dir string, withMTime bool) map[string]fuseEntry {
	t.Helper()
	out := map[string]fuseEntry{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." || rel == ".datamon" || strings.HasPrefix(rel, ".datamon/") {
			return nil
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		e := fuseEntry{Mode: fi.Mode().Perm()}
		if withMTime && fi.Mode()&fs.ModeSymlink == 0 && !fi.IsDir() {
			e.MTime = fi.ModTime().UnixNano()
		}
		switch {
		case fi.IsDir():
			e.Type = "dir"
		case fi.Mode()&fs.ModeSymlink != 0:
			e.Type, e.Mode = "link", 0
			e.Target, err = os.Readlink(p)
		default:
			e.Type, e.Size = "file", fi.Size()
			e.SHA, err = fuseSHA(p)
		}
		out[filepath.ToSlash(rel)] = e
		return err
	})
	fuseMust(t, err)
	return out
}

func fuseSHA(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, bufio.NewReaderSize(f, 1<<20)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func fuseDiff(t *testing.T, what string, want, got map[string]fuseEntry) {
	t.Helper()
	for p, w := range want {
		if g, ok := got[p]; !ok {
			t.Errorf("%s: %s missing", what, p)
		} else if g != w {
			t.Errorf("%s: %s = %+v, want %+v", what, p, g, w)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("%s: unexpected %s", what, p)
		}
	}
}
