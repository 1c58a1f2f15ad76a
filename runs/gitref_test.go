package runs_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/runs"
)

// --code-ref git reads HEAD, origin and the dirty flag of a real work tree.
func TestDetectGitRef(t *testing.T) {
	dir := t.TempDir()
	git := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@x",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@x")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v %s", args, err, out)
		}
		return string(out)
	}
	ctx := context.Background()
	if _, err := runs.DetectGitRef(ctx, dir); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("not a work tree: %v", err)
	}
	git("init", "-q")
	f := filepath.Join(dir, "train.py")
	if err := os.WriteFile(f, []byte("print(1)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git("add", "train.py")
	git("commit", "-q", "-m", "first")
	git("remote", "add", "origin", "https://git.example/pipe.git")
	head := git("rev-parse", "HEAD")
	ref, err := runs.DetectGitRef(ctx, dir)
	if err != nil || ref.Commit+"\n" != head || ref.Repo != "https://git.example/pipe.git" || ref.Dirty {
		t.Fatalf("clean: %+v %v", ref, err)
	}
	if err := os.WriteFile(f, []byte("print(2)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if ref, err := runs.DetectGitRef(ctx, dir); err != nil || !ref.Dirty {
		t.Fatalf("dirty: %+v %v", ref, err)
	}
}
