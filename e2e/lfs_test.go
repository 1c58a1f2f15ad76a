package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/jwtauth/jwtauthtest"
	"github.com/datamon-io/datamon/lfs"
	"github.com/datamon-io/datamon/localcluster"
)

// Issue 16 on a real 4-node cluster with Debian's git and git-lfs: a
// 100 MiB and ten 1 MiB objects pushed, cloned and pulled byte-identical;
// a 1 MiB change inside the big file stores only a few chunks; bad input
// refused and invisible; locks between users of the identity CLI; bearer
// JWTs; the node receiving a push SIGKILLed mid-upload and the object
// retried by git-lfs within the same push, nothing half-visible; a
// snapshot bundle and gc; an expired href refused.
func TestLFSGitPushPull(t *testing.T) {
	t.Parallel() // own cluster, ports, HOME and tools: runs beside the other parallel e2e tests (doc.go)
	is, err := jwtauthtest.NewIssuer(lfsJWTIss)
	if err != nil {
		t.Fatal(err)
	}
	c := startCluster(t, 4, 2, "2+2", "--lfs-href-ttl", "40s", "--lfs-spread-transfers", "--config", lfsJWTConfig(t, is))
	mustCLI(t, c, "repo", "create", "--repo", "games", "--description", "lfs")
	api := c.Nodes[0].APIURL()
	lfsURL := api + "/lfs/default/games"
	root := basicAuth(c.Secrets.AccessKey, c.Secrets.SecretKey)

	g := newGitEnv(t)
	g.credentials(c.Secrets.AccessKey, c.Secrets.SecretKey, c.APIURLs()...)
	g.trustCA(c.CAFile())
	dir := t.TempDir()
	remote, work := filepath.Join(dir, "remote.git"), filepath.Join(dir, "work")
	g.must("", "init", "--bare", remote)
	g.must("", "init", work)
	g.must(work, "remote", "add", "origin", remote)
	g.must(work, "config", "-f", ".lfsconfig", "lfs.url", lfsURL)
	g.must(work, "config", "lfs.locksverify", "true")
	g.must(work, "lfs", "track", "*.bin")
	files := map[string][]byte{"big.bin": writeRandom(t, filepath.Join(work, "big.bin"), 100<<20, 1)}
	for i := 0; i < 10; i++ {
		name := fmt.Sprintf("small/%02d.bin", i)
		_ = os.MkdirAll(filepath.Join(work, "small"), 0o755)
		files[name] = writeRandom(t, filepath.Join(work, name), 1<<20, uint64(100+i))
	}
	g.must(work, "add", ".")
	g.must(work, "commit", "-qm", "v1")
	base := storedBytes(t, c)
	start := time.Now()
	g.must(work, "push", "-q", "origin", "main")
	pushed := storedBytes(t, c)
	t.Logf("push of 110 MiB: %v, stored bytes +%d (2+2 erasure coding)", time.Since(start).Round(time.Millisecond), pushed-base)

	// A download href taken now must be refused once it expired (checked at the end).
	bigSpec := lfs.ObjectSpec{OID: sha256Hex(files["big.bin"]), Size: 100 << 20}
	_, early := lfsBatch(t, lfsURL, root, "download", bigSpec)
	earlyDL := early.Objects[0].Actions["download"]

	clone := filepath.Join(dir, "clone")
	cctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cl := g.cmd(cctx, "", "clone", "-q", remote, clone)
	cl.Env = append(cl.Env, "GIT_LFS_SKIP_SMUDGE=1")
	if out, err := cl.CombinedOutput(); err != nil {
		t.Fatalf("clone: %v\n%s", err, out)
	}
	start = time.Now()
	g.must(clone, "lfs", "pull")
	t.Logf("git lfs pull of 110 MiB: %v", time.Since(start).Round(time.Millisecond))
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(clone, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s after clone + lfs pull: %d bytes, equal %v (%v)", name, len(got), bytes.Equal(got, want), err)
		}
	}

	// Second commit: 1 MiB changed inside the 100 MiB file.
	big := bytes.Clone(files["big.bin"])
	copy(big[40<<20:], writeRandom(t, filepath.Join(dir, "patch"), 1<<20, 9))
	if err := os.WriteFile(filepath.Join(work, "big.bin"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	g.must(work, "commit", "-qam", "v2: 1 MiB changed")
	g.must(work, "push", "-q", "origin", "main")
	after := storedBytes(t, c)
	delta := after - pushed
	t.Logf("push after a 1 MiB change: stored bytes +%d (first push +%d)", delta, pushed-base)
	// 2+2 coding stores 2x; a few 1 MiB-average chunks around the change
	// are new. 16 MiB of shards is 8 MiB of chunks: far below a re-upload.
	if delta <= 0 || delta > 16<<20 {
		t.Fatalf("1 MiB change stored %d new shard bytes, want a few chunks (0, 16 MiB]", delta)
	}
	g.must(clone, "pull", "-q")
	if got, _ := os.ReadFile(filepath.Join(clone, "big.bin")); !bytes.Equal(got, big) {
		t.Fatal("big.bin v2 after pull differs")
	}

	lfsBadInput(t, lfsURL, root)

	var art string
	artDir := t.TempDir()
	t.Run("Locks", func(t *testing.T) { art = lfsLocks(t, c, artDir) })
	t.Run("Bearer", func(t *testing.T) {
		if art == "" {
			t.Fatal("needs the repository of the Locks subtest")
		}
		lfsBearer(t, c, is, art)
	})
	t.Run("KillDuringPush", func(t *testing.T) { lfsKillDuringPush(t, c, g, work, files) })

	lfsSnapshotAndGC(t, c, g, lfsURL, root, remote, files, big)

	// The early href has expired by now (40 s TTL); poll until it has.
	deadline := time.Now().Add(time.Minute)
	for {
		st, body := lfsCall(t, "GET", earlyDL.Href, earlyDL.Header["Authorization"], nil)
		if st == 401 && strings.Contains(string(body), "expired") {
			break
		}
		if st != 200 || time.Now().After(deadline) {
			t.Fatalf("expired href: %d %.200s", st, body)
		}
		time.Sleep(time.Second) // poll interval until the 40 s TTL passes
	}
}

// lfsSnapshotAndGC: a snapshot of main is a bundle whose files are the LFS
// objects (stored bytes barely move: no data copied) and downloads
// byte-identical; gc keeps what snapshots and git refs reference and
// deletes only the orphan.
func lfsSnapshotAndGC(t *testing.T, c *localcluster.Cluster, g *gitEnv, lfsURL, root, remote string, files map[string][]byte, big []byte) {
	t.Helper()
	before := storedBytes(t, c)
	id := strings.TrimSpace(mustCLI(t, c, "lfs", "snapshot", "--repo", "games", "--ref", "main", "--git-dir", remote, "--label", "lfs-main"))
	if grew := storedBytes(t, c) - before; grew > 1<<20 {
		t.Errorf("snapshot of %d files stored %d bytes: data was copied", len(files), grew)
	}
	dest := t.TempDir()
	mustCLI(t, c, "bundle", "download", "--repo", "games", "--bundle", id, "--destination", dest)
	files["big.bin"] = big
	for name, want := range files {
		if got, err := os.ReadFile(filepath.Join(dest, name)); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s in the snapshot bundle: equal %v (%v)", name, bytes.Equal(got, want), err)
		}
	}
	// An orphan: uploaded, referenced by no commit.
	orphan := []byte("an object no commit references\n")
	o := lfs.ObjectSpec{OID: sha256Hex(orphan), Size: int64(len(orphan))}
	_, br := lfsBatch(t, lfsURL, root, "upload", o)
	up := br.Objects[0].Actions["upload"]
	if st, _ := lfsCall(t, "PUT", up.Href, up.Header["Authorization"], orphan); st != 200 {
		t.Fatalf("orphan upload: %d", st)
	}
	// Without the git refs: the orphan and big.bin v1 (no snapshot has it).
	dry := mustCLI(t, c, "lfs", "gc", "--repo", "games", "--grace", "0s")
	if n := strings.Count(strings.TrimSpace(dry), "\n") + 1; n != 2 || !strings.Contains(dry, o.OID) {
		t.Fatalf("gc dry run without git: %q", dry)
	}
	del := mustCLI(t, c, "lfs", "gc", "--repo", "games", "--grace", "0s", "--git-dir", remote, "--delete")
	if strings.TrimSpace(del) != o.OID {
		t.Fatalf("gc --delete with git refs removed %q, want only the orphan", del)
	}
	if err := lfsObjectOK(t, lfsURL, root, o); err == nil || !strings.Contains(err.Error(), "error 404") {
		t.Fatalf("orphan after gc: %v", err)
	}
	v1 := lfs.ObjectSpec{OID: sha256Hex(writeRandomBytes(100<<20, 1)), Size: 100 << 20}
	if err := lfsObjectOK(t, lfsURL, root, v1); err != nil {
		t.Fatalf("big.bin v1 (kept by git history) after gc: %v", err)
	}
}

// waitReadyAgain waits for every node to serve after a restart.
func waitReadyAgain(t *testing.T, c interface {
	WaitReady(context.Context, time.Duration) error
}) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := c.WaitReady(ctx, time.Minute); err != nil {
		t.Fatalf("cluster after restart: %v", err)
	}
}

// lfsBadInput: each refusal is clear and leaves nothing visible.
func lfsBadInput(t *testing.T, url, root string) {
	t.Helper()
	data := []byte("bytes the client claims to upload\n")
	o := lfs.ObjectSpec{OID: sha256Hex(data), Size: int64(len(data))}
	_, br := lfsBatch(t, url, root, "upload", o)
	up := br.Objects[0].Actions["upload"]
	if up == nil {
		t.Fatalf("upload batch: %+v", br)
	}
	if st, body := lfsCall(t, "PUT", up.Href, up.Header["Authorization"], []byte("other bytes of the same length!!!\n")); st != 422 {
		t.Errorf("OID mismatch: %d %s", st, body)
	}
	if st, body := lfsCall(t, "PUT", up.Href, up.Header["Authorization"], data[:10]); st != 422 {
		t.Errorf("wrong size: %d %s", st, body)
	}
	if err := lfsObjectOK(t, url, root, o); err == nil || !strings.Contains(err.Error(), "error 404") {
		t.Errorf("refused uploads left the object visible: %v", err)
	}
	_, br = lfsBatch(t, url, root, "upload", lfs.ObjectSpec{OID: "not-an-oid", Size: 1})
	if e := br.Objects[0].Error; e == nil || e.Code != 422 {
		t.Errorf("malformed OID: %+v", br.Objects[0])
	}
	if st, body := lfsCall(t, "PUT", url+"/objects/NOT-AN-OID", root, data); st != 422 {
		t.Errorf("PUT to a malformed OID: %d %s", st, body)
	}
	// A stored object named with another size: per-object 422, not its bytes.
	_, br = lfsBatch(t, url, root, "download", lfs.ObjectSpec{OID: sha256Hex(writeRandomBytes(1<<20, 100)), Size: 5})
	if e := br.Objects[0].Error; e == nil || e.Code != 422 || br.Objects[0].Actions != nil {
		t.Errorf("stored object with a wrong size: %+v", br.Objects[0])
	}
	if st, _ := lfsBatch(t, strings.Replace(url, "/games", "/nope", 1), root, "upload", o); st != 404 {
		t.Errorf("unknown repo: %d", st)
	}
	if st, _ := lfsBatch(t, url, "", "upload", o); st != 401 {
		t.Errorf("no credentials: %d", st)
	}
	if st, _ := lfsBatch(t, url, basicAuth("nobody", "wrong"), "upload", o); st != 401 {
		t.Errorf("unknown key: %d", st)
	}
	many := make([]lfs.ObjectSpec, 10000)
	for i := range many {
		many[i] = lfs.ObjectSpec{OID: sha256Hex([]byte(fmt.Sprint(i))), Size: 1}
	}
	body, _ := json.Marshal(lfs.BatchRequest{Operation: "upload", Objects: many, HashAlgo: "sha256"})
	if st, out := lfsCall(t, "POST", url+"/objects/batch", root, body); st != 413 || !strings.Contains(string(out), "too many objects") {
		t.Errorf("batch of 10,000 objects: %d %s, want 413 naming the limit", st, out)
	}
}
