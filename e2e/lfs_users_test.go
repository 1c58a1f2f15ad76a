package e2e

import (
	"bytes"
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

const (
	lfsJWTIss = "https://idp.lfs.e2e.test"
	lfsJWTAud = "datamon-lfs"
)

// lfsJWTConfig is a node config trusting is: group art-readers reads
// default/art, art-writers writes it.
func lfsJWTConfig(t *testing.T, is *jwtauthtest.Issuer) string {
	t.Helper()
	dir := t.TempDir()
	jwks := filepath.Join(dir, "jwks.json")
	if err := is.WriteJWKS(jwks); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`jwt:
  issuers:
    - issuer: %s
      audiences: [%s]
      jwks_file: %s
      grants_claim: groups
      groups:
        art-readers: ["default/art=read"]
        art-writers: ["default/art=write"]
`, lfsJWTIss, lfsJWTAud, jwks)
	path := filepath.Join(dir, "node.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// lfsUserGit creates a user and a key with grant through the identity CLI
// and returns a git whose credential store holds that key, once the
// LFS API of node 0 accepts it (keys replicate through Raft).
func lfsUserGit(t *testing.T, c *localcluster.Cluster, name, grant string) (*gitEnv, string) {
	t.Helper()
	mustCLI(t, c, "user", "create", "--name", name, "--email", name+"@example.com")
	r := cli(t, c, "key", "create", "--user", name, "--grant", grant)
	m := e2eKeySecret.FindStringSubmatch(r.Stdout)
	if r.Code != 0 || m == nil {
		t.Fatalf("key create for %s: %d %q %q", name, r.Code, r.Stdout, r.Stderr)
	}
	url := c.Nodes[0].APIURL() + "/lfs/default/art"
	for deadline := time.Now().Add(20 * time.Second); ; {
		st, body := lfsCall(t, "GET", url+"/locks", basicAuth(m[1], m[2]), nil)
		if st == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("key of %s never accepted: %d %s", name, st, body)
		}
		time.Sleep(100 * time.Millisecond) // poll interval while the key replicates
	}
	g := newGitEnv(t)
	g.trustCA(c.CAFile())
	g.credentials(m[1], m[2], c.APIURLs()...)
	g.must("", "config", "--global", "user.name", name)
	return g, basicAuth(m[1], m[2])
}

// lfsLocks: git lfs lock/locks/unlock between users made with the identity
// CLI; a push over another user's lock is refused by git-lfs; unlock
// --force needs admin on the repo; read-only credentials cannot upload.
// It returns the bare repository in dir (one lockable a.bin) for lfsBearer.
func lfsLocks(t *testing.T, c *localcluster.Cluster, dir string) string {
	mustCLI(t, c, "repo", "create", "--repo", "art", "--description", "lfs locks")
	url := c.Nodes[0].APIURL() + "/lfs/default/art"
	ann, _ := lfsUserGit(t, c, "ann", "default/art=write")
	bob, _ := lfsUserGit(t, c, "bob", "default/art=write")
	boss, _ := lfsUserGit(t, c, "boss", "default/art=admin")
	rita, ritaAuth := lfsUserGit(t, c, "rita", "default/art=read")
	remote, aw := filepath.Join(dir, "art.git"), filepath.Join(dir, "ann")
	ann.must("", "init", "-q", "--bare", remote)
	ann.must("", "init", "-q", aw)
	ann.must(aw, "remote", "add", "origin", remote)
	ann.must(aw, "config", "-f", ".lfsconfig", "lfs.url", url)
	ann.must(aw, "lfs", "track", "--lockable", "*.bin")
	writeRandom(t, filepath.Join(aw, "a.bin"), 200<<10, 5)
	ann.must(aw, "add", ".")
	ann.must(aw, "commit", "-qm", "a")
	ann.must(aw, "push", "-q", "origin", "main")
	clone := func(g *gitEnv, name string) string {
		w := filepath.Join(dir, name)
		g.must("", "clone", "-q", remote, w)
		g.must(w, "config", "lfs.locksverify", "true")
		return w
	}
	bw, xw, rw := clone(bob, "bob"), clone(boss, "boss"), clone(rita, "rita")

	ann.must(aw, "lfs", "lock", "a.bin")
	if out := bob.must(bw, "lfs", "locks"); !strings.Contains(out, "a.bin") || !strings.Contains(out, "ann") {
		t.Fatalf("bob's lock list: %q", out)
	}
	_ = os.Chmod(filepath.Join(bw, "a.bin"), 0o644) // lockable files are checked out read-only
	writeRandom(t, filepath.Join(bw, "a.bin"), 200<<10, 6)
	bob.must(bw, "commit", "-qam", "bob's change")
	if out, err := bob.run(bw, "push", "origin", "main"); err == nil || !strings.Contains(out, "Unable to push locked files") {
		t.Fatalf("push over ann's lock: %v\n%s", err, out)
	}
	for _, args := range [][]string{{"lfs", "unlock", "a.bin"}, {"lfs", "unlock", "--force", "a.bin"}} {
		if out, err := bob.run(bw, args...); err == nil {
			t.Fatalf("bob (write grant) ran git %s on ann's lock:\n%s", strings.Join(args, " "), out)
		}
	}
	if out := rita.must(rw, "lfs", "locks"); !strings.Contains(out, "a.bin") {
		t.Fatalf("lock gone after refused unlocks (rita's list): %q", out)
	}
	boss.must(xw, "lfs", "unlock", "--force", "a.bin")
	if out := bob.must(bw, "lfs", "locks"); strings.Contains(out, "a.bin") {
		t.Fatalf("lock listed after the admin's --force: %q", out)
	}
	bob.must(bw, "push", "-q", "origin", "main")

	// Read-only credentials: the upload batch is refused (403), and so is
	// rita's push; the object stays absent.
	rita.must(rw, "pull", "-q")
	rb := writeRandom(t, filepath.Join(rw, "r.bin"), 10<<10, 7)
	ro := lfs.ObjectSpec{OID: sha256Hex(rb), Size: int64(len(rb))}
	if st, _ := lfsBatch(t, url, ritaAuth, "upload", ro); st != 403 {
		t.Errorf("upload batch with read-only credentials: %d, want 403", st)
	}
	rita.must(rw, "config", "lfs.locksverify", "false") // reach the upload itself
	rita.must(rw, "add", "r.bin")
	rita.must(rw, "commit", "-qm", "rita")
	if out, err := rita.run(rw, "push", "origin", "main"); err == nil {
		t.Fatalf("push with read-only credentials succeeded:\n%s", out)
	}
	if err := lfsObjectOK(t, url, ritaAuth, ro); err == nil || !strings.Contains(err.Error(), "error 404") {
		t.Fatalf("object of the refused push: %v", err)
	}
	return remote
}

// lfsBearer: git-lfs with a bearer JWT (http.extraHeader, no credential
// helper) against the cluster: the art-writers token clones (download) and
// pushes; the art-readers token clones and pulls the new object but its
// push is refused, nothing stored.
func lfsBearer(t *testing.T, c *localcluster.Cluster, is *jwtauthtest.Issuer, remote string) {
	tok := func(sub, group string) string {
		s, err := is.Token(lfsJWTAud, sub, time.Hour, group)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	url := c.Nodes[1].APIURL() + "/lfs/default/art"
	dir := t.TempDir()
	gitAs := func(token, name string) (*gitEnv, string) {
		g := newGitEnv(t)
		g.trustCA(c.CAFile())
		g.bearer(token)
		w := filepath.Join(dir, name)
		g.must("", "-c", "lfs.url="+url, "clone", "-q", remote, w)
		g.must(w, "config", "lfs.url", url)
		if b, err := os.ReadFile(filepath.Join(w, "a.bin")); err != nil || len(b) != 200<<10 {
			t.Fatalf("%s's clone: a.bin has %d bytes (%v)", name, len(b), err)
		}
		return g, w
	}
	walt, ww := gitAs(tok("walt", "art-writers"), "walt")
	walt.must(ww, "config", "lfs.locksverify", "true")
	wb := writeRandom(t, filepath.Join(ww, "w.bin"), 300<<10, 21)
	walt.must(ww, "add", "w.bin")
	walt.must(ww, "commit", "-qm", "walt")
	walt.must(ww, "push", "-q", "origin", "main")
	root := basicAuth(c.Secrets.AccessKey, c.Secrets.SecretKey)
	if err := lfsObjectOK(t, url, root, lfs.ObjectSpec{OID: sha256Hex(wb), Size: int64(len(wb))}); err != nil {
		t.Fatalf("object pushed with a bearer token: %v", err)
	}

	reader, rw := gitAs(tok("rhea", "art-readers"), "rhea")
	if b, _ := os.ReadFile(filepath.Join(rw, "w.bin")); !bytes.Equal(b, wb) {
		t.Fatalf("w.bin downloaded with a read token: %d bytes", len(b))
	}
	reader.must(rw, "config", "lfs.locksverify", "false") // reach the upload itself
	rb := writeRandom(t, filepath.Join(rw, "r.bin"), 10<<10, 22)
	reader.must(rw, "add", "r.bin")
	reader.must(rw, "commit", "-qm", "rhea")
	if out, err := reader.run(rw, "push", "origin", "main"); err == nil || !strings.Contains(out, "needs write") {
		t.Fatalf("push with a read token: %v\n%s", err, out)
	}
	ro := lfs.ObjectSpec{OID: sha256Hex(rb), Size: int64(len(rb))}
	if err := lfsObjectOK(t, url, root, ro); err == nil || !strings.Contains(err.Error(), "error 404") {
		t.Fatalf("object of the refused bearer push: %v", err)
	}
}
