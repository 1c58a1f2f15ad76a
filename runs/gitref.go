package runs

import (
	"context"
	"fmt"
	"os/exec"
	"strings"

	"github.com/datamon-io/datamon/model"
)

// DetectGitRef reads the code reference of the git work tree at dir: HEAD's
// commit, the "origin" remote's URL (empty without one) and whether the
// tree has uncommitted changes. Not a work tree: model.ErrInvalid.
func DetectGitRef(ctx context.Context, dir string) (model.CodeRef, error) {
	git := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = dir
		out, err := cmd.Output()
		return strings.TrimSpace(string(out)), err
	}
	commit, err := git("rev-parse", "HEAD")
	if err != nil || commit == "" {
		return model.CodeRef{}, fmt.Errorf("%w: %s is not a git work tree with a commit (git rev-parse HEAD: %v)", model.ErrInvalid, dir, err)
	}
	url, _ := git("remote", "get-url", "origin")
	status, err := git("status", "--porcelain", "--untracked-files=no")
	if err != nil {
		return model.CodeRef{}, fmt.Errorf("runs: git status in %s: %w", dir, err)
	}
	return model.CodeRef{Repo: url, Commit: commit, Dirty: status != ""}, nil
}
