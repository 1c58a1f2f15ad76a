package lfs_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// gitUser is one person's git: own HOME (global config, credential store).
type gitUser struct {
	t    *testing.T
	home string
}

func newGitUser(t *testing.T, lfsURL, id, secret string) *gitUser {
	t.Helper()
	for _, tool := range []string{"git", "git-lfs"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed (scripts/deps.sh installs Debian's git and git-lfs): %v", tool, err)
		}
	}
	u := &gitUser{t: t, home: t.TempDir()}
	host := strings.SplitN(strings.TrimPrefix(lfsURL, "http://"), "/", 2)[0]
	cred := filepath.Join(u.home, ".git-credentials")
	if err := os.WriteFile(cred, []byte("http://"+id+":"+secret+"@"+host+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	u.must("", "config", "--global", "user.name", id)
	u.must("", "config", "--global", "user.email", id+"@example.com")
	u.must("", "config", "--global", "init.defaultBranch", "main")
	u.must("", "config", "--global", "credential.helper", "store --file="+cred)
	u.must("", "lfs", "install")
	return u
}

func (u *gitUser) run(dir string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+u.home, "GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0",
		"XDG_CONFIG_HOME="+filepath.Join(u.home, ".config"))
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (u *gitUser) must(dir string, args ...string) string {
	u.t.Helper()
	out, err := u.run(dir, args...)
	if err != nil {
		u.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// The real git-lfs client between two users: locks are listed with their
// owner, a push over someone else's lock is refused, unlocking someone
// else's lock needs --force and --force needs admin; read-only
// credentials cannot push objects.
func TestGitLFSLocksBetweenUsers(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	remote := filepath.Join(dir, "remote.git")
	ann := newGitUser(t, e.url, "ann", "ann-secret")
	bob := newGitUser(t, e.url, "bob", "bob-secret")
	admin := newGitUser(t, e.url, rootID, rootSecret)
	rita := newGitUser(t, e.url, "reader", "reader-secret")
	ann.must("", "init", "--bare", remote)
	aw := filepath.Join(dir, "ann")
	ann.must("", "init", aw)
	ann.must(aw, "remote", "add", "origin", remote)
	ann.must(aw, "config", "-f", ".lfsconfig", "lfs.url", e.url)
	ann.must(aw, "lfs", "track", "--lockable", "*.bin")
	if err := os.WriteFile(filepath.Join(aw, "a.bin"), randBytes(200<<10, 5), 0o644); err != nil {
		t.Fatal(err)
	}
	ann.must(aw, "add", ".")
	ann.must(aw, "commit", "-qm", "a")
	ann.must(aw, "push", "-q", "origin", "main")

	clone := func(u *gitUser, name string) string {
		w := filepath.Join(dir, name)
		u.must("", "clone", "-q", remote, w)
		u.must(w, "config", "lfs.locksverify", "true")
		return w
	}
	bw, xw, rw := clone(bob, "bob"), clone(admin, "admin"), clone(rita, "rita")
	if got, _ := os.ReadFile(filepath.Join(bw, "a.bin")); len(got) != 200<<10 {
		t.Fatalf("bob's clone has %d bytes of a.bin", len(got))
	}

	ann.must(aw, "lfs", "lock", "a.bin")
	if out := bob.must(bw, "lfs", "locks"); !strings.Contains(out, "a.bin") || !strings.Contains(out, "ann") {
		t.Fatalf("bob's lock list: %q", out)
	}
	// Bob changes the locked file: git-lfs refuses his push.
	_ = os.Chmod(filepath.Join(bw, "a.bin"), 0o644) // lockable files are checked out read-only
	if err := os.WriteFile(filepath.Join(bw, "a.bin"), randBytes(200<<10, 6), 0o644); err != nil {
		t.Fatal(err)
	}
	bob.must(bw, "commit", "-qam", "bob's change")
	if out, err := bob.run(bw, "push", "origin", "main"); err == nil {
		t.Fatalf("push over ann's lock succeeded:\n%s", out)
	} else if !strings.Contains(strings.ToLower(out), "lock") {
		t.Errorf("refused push does not mention the lock:\n%s", out)
	}
	if out, err := bob.run(bw, "lfs", "unlock", "a.bin"); err == nil {
		t.Fatalf("bob unlocked ann's lock:\n%s", out)
	}
	if out, err := bob.run(bw, "lfs", "unlock", "--force", "a.bin"); err == nil {
		t.Fatalf("bob force-unlocked without admin:\n%s", out)
	}
	if out := bob.must(bw, "lfs", "locks"); !strings.Contains(out, "a.bin") {
		t.Fatalf("lock gone after refused unlocks: %q", out)
	}
	admin.must(xw, "lfs", "unlock", "--force", "a.bin")
	if out := bob.must(bw, "lfs", "locks"); strings.Contains(out, "a.bin") {
		t.Fatalf("lock still listed after admin --force: %q", out)
	}
	bob.must(bw, "push", "-q", "origin", "main")

	// Read-only credentials: the object upload is refused.
	rita.must(rw, "pull", "-q")
	_ = os.Chmod(filepath.Join(rw, "a.bin"), 0o644)
	if err := os.WriteFile(filepath.Join(rw, "r.bin"), randBytes(10<<10, 7), 0o644); err != nil {
		t.Fatal(err)
	}
	rita.must(rw, "add", "r.bin")
	rita.must(rw, "commit", "-qm", "rita")
	if out, err := rita.run(rw, "push", "origin", "main"); err == nil {
		t.Fatalf("push with read-only credentials succeeded:\n%s", out)
	}
}
