package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/localcluster"
	"github.com/datamon-io/datamon/manifest"
	"github.com/datamon-io/datamon/model"
)

// storedShardBytes sums datamon_shard_bytes over every running node.
func storedShardBytes(t *testing.T, c *localcluster.Cluster) int64 {
	t.Helper()
	var total int64
	for i, n := range c.Nodes {
		if n.Running() {
			total += int64(metric(t, c, i, "datamon_shard_bytes"))
		}
	}
	return total
}

// TestBundleDedup: re-uploading a tree stores (almost) nothing; inserting
// 4 KiB at the start of a 40 MiB file stores < 2 MiB of new chunk data;
// dedup works across repos.
func TestBundleDedup(t *testing.T) {
	c := startCluster(t, 3, 3, "2+1") // shards are 1.5x user bytes
	src := filepath.Join(t.TempDir(), "src")
	writeSeeded(t, filepath.Join(src, "big.bin"), 40<<20, 11, 0o644)
	for i := 0; i < 20; i++ {
		writeSeeded(t, filepath.Join(src, "small", strconv.Itoa(i)), 64<<10, uint64(100+i), 0o644)
	}
	mustCLI(t, c, "repo", "create", "--repo", "dd", "--description", "dedup")
	mustCLI(t, c, "repo", "create", "--repo", "other", "--description", "dedup across repos")
	s0 := storedShardBytes(t, c)
	mustCLI(t, c, "bundle", "upload", "--repo", "dd", "--path", src, "--message", "v1")
	s1 := storedShardBytes(t, c)
	if first := s1 - s0; float64(first) < 1.4*float64(41<<20) {
		t.Fatalf("first upload stored only %d shard bytes for 41+ MiB of data", first)
	}
	const pageSlack = 512 << 10 // manifest pages and shard headers
	mustCLI(t, c, "bundle", "upload", "--repo", "dd", "--path", src, "--message", "v1 again")
	s2 := storedShardBytes(t, c)
	mustCLI(t, c, "bundle", "upload", "--repo", "other", "--path", src, "--message", "same data, other repo")
	s3 := storedShardBytes(t, c)
	if s2-s1 > pageSlack || s3-s2 > pageSlack {
		t.Fatalf("re-upload stored %d and %d shard bytes; want only manifest pages (< %d)", s2-s1, s3-s2, pageSlack)
	}
	// Insert 4 KiB at the start of the 40 MiB file.
	old, err := os.ReadFile(filepath.Join(src, "big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	ins := bytes.Repeat([]byte("datamon!"), 512)
	if err := os.WriteFile(filepath.Join(src, "big.bin"), append(ins, old...), 0o644); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, c, "bundle", "upload", "--repo", "dd", "--path", src, "--message", "insert 4 KiB")
	s4 := storedShardBytes(t, c)
	newUser := float64(s4-s3) / 1.5
	t.Logf("insert 4 KiB at the start of 40 MiB: %.0f KiB of new chunk data", newUser/1024)
	if newUser > 2<<20 {
		t.Fatalf("inserting 4 KiB stored %.1f MiB of new chunk data; want < 2 MiB", newUser/(1<<20))
	}
}

// startCLI starts the datamon CLI in the background.
func startCLI(t *testing.T, c *localcluster.Cluster, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "DATAMON_CONFIG="+c.ClientConfigPath())
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.SysProcAttr = dieWithTest()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &out, &errb
}

func bigTree(t *testing.T, dir string, files, size int) {
	t.Helper()
	for i := 0; i < files; i++ {
		writeSeeded(t, filepath.Join(dir, "part", strconv.Itoa(i)+".bin"), size, uint64(1000+i), 0o644)
	}
}

// TestBundleTransferSurvivesNodeKill: SIGKILL the node the CLI talks to
// during an upload and during a download; both finish correctly.
func TestBundleTransferSurvivesNodeKill(t *testing.T) {
	c := startCluster(t, 4, 2, "2+2")
	src := filepath.Join(t.TempDir(), "src")
	bigTree(t, src, 24, 6<<20)
	want := treeDigest(t, src)
	mustCLI(t, c, "repo", "create", "--repo", "kill", "--description", "node kill")

	// client.yaml lists node1 first: that is the node the CLI talks to.
	cmd, out, errb := startCLI(t, c, "bundle", "upload", "--repo", "kill", "--path", src, "--message", "under fire")
	time.Sleep(700 * time.Millisecond)
	if err := c.Kill(0); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("upload while its node died: %v\n%s", err, errb)
	}
	id := bundleID(t, out.String())
	dst := filepath.Join(t.TempDir(), "after-upload")
	mustCLI(t, c, "bundle", "download", "--repo", "kill", "--bundle", id, "--destination", dst)
	compareTrees(t, want, treeDigest(t, dst))

	if err := c.Restart(0); err != nil {
		t.Fatal(err)
	}
	waitReady(t, c)
	waitMembersAlive(t, c)
	dst = filepath.Join(t.TempDir(), "under-fire")
	cmd, _, errb = startCLI(t, c, "bundle", "download", "--repo", "kill", "--bundle", id, "--destination", dst)
	time.Sleep(500 * time.Millisecond)
	if err := c.Kill(0); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("download while its node died: %v\n%s", err, errb)
	}
	compareTrees(t, want, treeDigest(t, dst))
}

// TestKilledUploadLeavesNoBundle: SIGKILL the CLI mid-upload: no bundle
// appears; a retry succeeds.
func TestKilledUploadLeavesNoBundle(t *testing.T) {
	c := startCluster(t, 3, 3, "")
	src := filepath.Join(t.TempDir(), "src")
	bigTree(t, src, 20, 8<<20)
	mustCLI(t, c, "repo", "create", "--repo", "crash", "--description", "client crash")
	cmd, _, _ := startCLI(t, c, "bundle", "upload", "--repo", "crash", "--path", src, "--message", "never")
	time.Sleep(600 * time.Millisecond)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if out := strings.TrimSpace(mustCLI(t, c, "bundle", "list", "--repo", "crash")); out != "" {
		t.Fatalf("a killed upload left bundles: %q", out)
	}
	id := bundleID(t, mustCLI(t, c, "bundle", "upload", "--repo", "crash", "--path", src, "--message", "retry"))
	if out := mustCLI(t, c, "bundle", "list", "--repo", "crash"); !strings.Contains(out, id) || strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Fatalf("after retry: %q", out)
	}
}

type clientPutter struct{ c *client.Client }

func (p clientPutter) PutChunk(ctx context.Context, b []byte) (chunk.ID, error) {
	return p.c.PutChunk(ctx, b)
}

// TestMaliciousManifestCannotEscape: a bundle whose manifest has a symlink
// pointing outside and a file "under" it cannot make a download write
// outside the destination.
func TestMaliciousManifestCannotEscape(t *testing.T) {
	c := startCluster(t, 3, 3, "")
	cl := liveClient(t, c)
	ctx := context.Background()
	outside := t.TempDir()
	if _, err := cl.CreateRepo(ctx, model.Repo{Context: "default", Name: "evil", Description: "hostile manifest"}); err != nil {
		t.Fatal(err)
	}
	payload := []byte("pwned")
	id, err := cl.PutChunk(ctx, payload)
	if err != nil {
		t.Fatal(err)
	}
	w := manifest.NewWriter(ctx, clientPutter{cl}, manifest.DefaultWriterConfig())
	entries := []manifest.Entry{
		{Path: "escape", Type: manifest.Symlink, Target: outside, Size: int64(len(outside)), Mode: 0o777},
		{Path: "escape/pwned.txt", Type: manifest.File, Size: int64(len(payload)), Mode: 0o644,
			Chunks: []manifest.ChunkRef{{ID: id, Size: uint32(len(payload))}}},
		{Path: "z-ok.txt", Type: manifest.File, Size: int64(len(payload)), Mode: 0o644,
			Chunks: []manifest.ChunkRef{{ID: id, Size: uint32(len(payload))}}},
	}
	for _, e := range entries {
		if err := w.Add(e); err != nil {
			t.Logf("writer refused %s: %v", e.Path, err)
		}
	}
	root, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	b, err := cl.CommitBundle(ctx, model.Bundle{Context: "default", Repo: "evil", Message: "hostile", ManifestRoot: root.ID,
		FileCount: root.Files, ByteCount: root.Bytes}, "")
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "dst")
	r := cli(t, c, "bundle", "download", "--repo", "evil", "--bundle", b.ID, "--destination", dst)
	t.Logf("download of hostile bundle: exit %d, stderr %q", r.Code, r.Stderr)
	if _, err := os.Stat(filepath.Join(outside, "pwned.txt")); err == nil {
		t.Fatal("download wrote outside its destination through a symlink")
	}
	entriesOutside, _ := os.ReadDir(outside)
	if len(entriesOutside) != 0 {
		t.Fatalf("outside dir touched: %v", entriesOutside)
	}
}
