package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/model"
)

func TestSquashCLI(t *testing.T) {
	e, meta := newRaftEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, errOut, code := e.run(t, "", "repo", "create", "--repo", "r", "--description", "d"); code != 0 {
		t.Fatal(errOut)
	}
	// b0; b1 on main (the head); b2 on v1.0.0; b3 on x; b4
	for i, label := range []string{"", "main", "v1.0.0", "x", ""} {
		var ls *model.LabelSet
		if label != "" {
			ls = &model.LabelSet{Name: label}
		}
		if _, err := meta.CommitBundle(ctx, model.Bundle{Context: "default", Repo: "r", Message: "m" + string(rune('0'+i))}, ls); err != nil {
			t.Fatal(err)
		}
	}
	bundles := func() int {
		t.Helper()
		bs, err := meta.ListBundles(ctx, "default", "r")
		if err != nil {
			t.Fatal(err)
		}
		return len(bs)
	}

	if _, errOut, code := e.run(t, "", "repo", "squash", "--repo", "r"); code != exitUsage || !strings.Contains(errOut, "--force-yes") {
		t.Fatalf("squash without terminal: %d %q", code, errOut)
	}
	for _, args := range [][]string{{"--retain-n-latest", "0"}, {"--retain-n-latest", "x"}, {}} {
		a := append([]string{"repo", "squash", "--force-yes"}, args...)
		if len(args) > 0 {
			a = append(a, "--repo", "r")
		}
		if _, errOut, code := e.run(t, "", a...); code != exitUsage {
			t.Fatalf("%v: %d %q", a, code, errOut)
		}
	}
	out, _, code := e.run(t, "", "repo", "squash", "--repo", "r", "--dry-run")
	if code != 0 || out != "dry run: bundles to delete: 3, to keep: 2; labels to delete: 2\n" || bundles() != 5 {
		t.Fatalf("dry run: %d %q", code, out)
	}
	_, errOut, code := e.run(t, "n\n", "repo", "squash", "--repo", "r", "--retain-semver-tags")
	prompt := `Squash repo "r" in context "default": delete 2 of 5 bundles (and 1 labels), keep 3? [y/N]`
	if code != exitDeclined || !strings.Contains(errOut, prompt) || !strings.Contains(errOut, "aborted: nothing was changed") || bundles() != 5 {
		t.Fatalf("squash answered n: %d %q", code, errOut)
	}
	out, _, code = e.run(t, "y\n", "repo", "squash", "--repo", "r", "--retain-semver-tags")
	if code != 0 || out != "bundles deleted: 2, kept: 3; labels deleted: 1\n" || bundles() != 3 {
		t.Fatalf("squash answered y: %d %q", code, out)
	}
	out, _, code = e.run(t, "", "repo", "squash", "--repo", "r", "--force-yes", "--output", "json")
	var res model.SquashResult
	if err := json.Unmarshal([]byte(out), &res); code != 0 || err != nil || res.Deleted != 1 || res.Kept != 2 ||
		res.LabelsDeleted != 1 || res.DryRun || len(res.Repos) != 1 || res.Repos[0].Repo != "r" || res.Repos[0].Horizon == "" {
		t.Fatalf("squash json: %d %q %v", code, out, err)
	}
	out, errOut, code = e.run(t, "y\n", "repo", "squash", "--repo", "r")
	if code != 0 || out != "bundles deleted: 0, kept: 2; labels deleted: 0\n" || strings.Contains(errOut, "Squash") {
		t.Fatalf("nothing to squash (no prompt): %d %q %q", code, out, errOut)
	}
	if _, errOut, code := e.run(t, "", "repo", "squash", "--repo", "nope", "--force-yes"); code != exitNotFound || !strings.Contains(errOut, `repo "nope" not found`) {
		t.Fatalf("missing repo: %d %q", code, errOut)
	}

	// context squash: --context is required; every repo, one line each
	if _, errOut, code := e.run(t, "", "context", "squash", "--force-yes"); code != exitUsage || !strings.Contains(errOut, "--context") {
		t.Fatalf("context squash without --context: %d %q", code, errOut)
	}
	if _, errOut, code := e.run(t, "", "repo", "create", "--repo", "r2", "--description", "d"); code != 0 {
		t.Fatal(errOut)
	}
	for i := 0; i < 3; i++ {
		if _, err := meta.CommitBundle(ctx, model.Bundle{Context: "default", Repo: "r2", Message: "m"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	out, errOut, code = e.run(t, "y\n", "context", "squash", "--context", "default")
	want := "repo r: bundles deleted: 0, kept: 2; labels deleted: 0\nrepo r2: bundles deleted: 2, kept: 1; labels deleted: 0\n" +
		"context default: bundles deleted: 2, kept: 3; labels deleted: 0\n"
	if code != 0 || out != want || !strings.Contains(errOut, `Squash every repo of context "default": delete 2 of 5 bundles (and 0 labels), keep 3? [y/N]`) {
		t.Fatalf("context squash: %d %q %q", code, out, errOut)
	}
	if _, errOut, code := e.run(t, "", "context", "squash", "--context", "nope", "--force-yes"); code != exitNotFound || !strings.Contains(errOut, `context "nope" not found`) {
		t.Fatalf("missing context: %d %q", code, errOut)
	}
}
