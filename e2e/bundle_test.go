package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestBundleCLIScenarios ports datamon's CLI scenarios to the cluster.
func TestBundleCLIScenarios(t *testing.T) {
	c := startCluster(t, 3, 3, "")
	src := filepath.Join(t.TempDir(), "src")
	makeEdgeTree(t, src)
	want := treeDigest(t, src)

	// repo create / duplicate / list / get / missing.
	mustCLI(t, c, "repo", "create", "--repo", "data", "--description", "edge cases")
	if r := cli(t, c, "repo", "create", "--repo", "data", "--description", "again"); r.Code == 0 {
		t.Fatal("duplicate repo created")
	}
	if out := mustCLI(t, c, "repo", "list"); !strings.Contains(out, "data , edge cases") {
		t.Fatalf("repo list: %q", out)
	}
	mustCLI(t, c, "repo", "get", "--repo", "data")
	if r := cli(t, c, "repo", "get", "--repo", "nope"); r.Code != 2 {
		t.Fatalf("repo get missing: exit %d", r.Code)
	}

	// Upload, with a label.
	id1 := bundleID(t, mustCLI(t, c, "bundle", "upload", "--repo", "data", "--path", src, "--message", "first", "--label", "prod"))

	// Round trip by bundle and by label: byte-identical, modes, symlinks, empty dirs, mtimes.
	for _, sel := range [][]string{{"--bundle", id1}, {"--label", "prod"}} {
		dst := filepath.Join(t.TempDir(), "dst")
		out := mustCLI(t, c, append([]string{"bundle", "download", "--repo", "data", "--destination", dst}, sel...)...)
		if !strings.Contains(out, id1) {
			t.Fatalf("download %v does not name the bundle: %q", sel, out)
		}
		compareTrees(t, want, treeDigest(t, dst))
		if got, w := mtimeOf(t, filepath.Join(dst, "kib.bin")), mtimeOf(t, filepath.Join(src, "kib.bin")); got != w {
			t.Fatalf("mtime not preserved: %d vs %d", got, w)
		}
	}
	// Latest bundle when neither is given; both together is an error.
	dst := filepath.Join(t.TempDir(), "latest")
	mustCLI(t, c, "bundle", "download", "--repo", "data", "--destination", dst)
	compareTrees(t, want, treeDigest(t, dst))
	if r := cli(t, c, "bundle", "download", "--repo", "data", "--destination", t.TempDir(), "--bundle", id1, "--label", "prod"); r.Code == 0 {
		t.Fatal("--bundle with --label accepted")
	}
	// Non-empty destination without --force-dest fails.
	if r := cli(t, c, "bundle", "download", "--repo", "data", "--destination", dst); r.Code == 0 {
		t.Fatal("download into a non-empty destination accepted without --force-dest")
	}

	// Name filter and single file.
	dst = filepath.Join(t.TempDir(), "filtered")
	mustCLI(t, c, "bundle", "download", "--repo", "data", "--destination", dst, "--name-filter", `^big/`)
	got := treeDigest(t, dst)
	for p := range got {
		if !strings.HasPrefix(p, "big") {
			t.Fatalf("name filter let %s through", p)
		}
	}
	if got["big/chunk-plus-1"] != want["big/chunk-plus-1"] {
		t.Fatal("filtered download wrong")
	}
	dst = filepath.Join(t.TempDir(), "one")
	mustCLI(t, c, "bundle", "download", "file", "--repo", "data", "--bundle", id1, "--file", "a/b/c/d/e/f/deep.txt", "--destination", dst)
	if g := treeDigest(t, dst)["a/b/c/d/e/f/deep.txt"]; g != want["a/b/c/d/e/f/deep.txt"] {
		t.Fatalf("single file: %q", g)
	}

	// --files list.
	list := filepath.Join(t.TempDir(), "list.txt")
	if err := os.WriteFile(list, []byte("one\nbig/chunk\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	id2 := bundleID(t, mustCLI(t, c, "bundle", "upload", "--repo", "data", "--path", src, "--message", "subset", "--files", list))
	files := mustCLI(t, c, "bundle", "list", "files", "--repo", "data", "--bundle", id2)
	if !strings.Contains(files, "name:one,") || !strings.Contains(files, "name:big/chunk,") || strings.Contains(files, "kib.bin") {
		t.Fatalf("--files upload lists: %q", files)
	}

	// bundle list is ordered by ID (commit order); bundle get.
	lines := strings.Split(strings.TrimSpace(mustCLI(t, c, "bundle", "list", "--repo", "data")), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], id1) || !strings.HasPrefix(lines[1], id2) {
		t.Fatalf("bundle list: %q", lines)
	}
	if out := mustCLI(t, c, "bundle", "get", "--repo", "data", "--bundle", id2); !strings.Contains(out, "subset") {
		t.Fatalf("bundle get: %q", out)
	}
	if r := cli(t, c, "bundle", "get", "--repo", "data", "--bundle", "0000000000000000000000nope0"); r.Code != 2 {
		t.Fatalf("bundle get missing: exit %d", r.Code)
	}

	// Labels.
	mustCLI(t, c, "label", "set", "--repo", "data", "--label", "dev", "--bundle", id2)
	if out := mustCLI(t, c, "label", "get", "--repo", "data", "--label", "dev"); !strings.Contains(out, id2) {
		t.Fatalf("label get: %q", out)
	}
	out := mustCLI(t, c, "label", "list", "--repo", "data")
	if !strings.Contains(out, "prod , "+id1) || !strings.Contains(out, "dev , "+id2) {
		t.Fatalf("label list: %q", out)
	}
	files = mustCLI(t, c, "bundle", "list", "files", "--repo", "data", "--label", "prod")
	if n := strings.Count(files, "name:"); n < 11 {
		t.Fatalf("list files by label: %d entries: %q", n, files)
	}

	// diff / update between the two bundles: a download of bundle 1,
	// diffed against bundle 2, then updated to it.
	dst = filepath.Join(t.TempDir(), "work")
	mustCLI(t, c, "bundle", "download", "--repo", "data", "--bundle", id1, "--destination", dst)
	diff := mustCLI(t, c, "bundle", "diff", "--repo", "data", "--bundle", id2, "--destination", dst)
	if !strings.Contains(diff, "kib.bin") {
		t.Fatalf("diff does not mention kib.bin: %q", diff)
	}
	for _, l := range strings.Split(strings.TrimSpace(diff), "\n") {
		if !slices.Contains([]string{"A", "D", "U"}, strings.TrimSpace(strings.SplitN(l, ",", 2)[0])) {
			t.Fatalf("diff line %q is not A/D/U", l)
		}
	}
	mustCLI(t, c, "bundle", "update", "--repo", "data", "--bundle", id2, "--destination", dst)
	sub := map[string]string{}
	for _, p := range []string{"one", "big/chunk"} {
		sub[p] = want[p]
	}
	compareTrees(t, sub, nonDirs(treeDigest(t, dst)))

	// JSON output on listings.
	if out := mustCLI(t, c, "bundle", "list", "--repo", "data", "--output", "json"); !strings.HasPrefix(strings.TrimSpace(out), "[") {
		t.Fatalf("bundle list json: %q", out)
	}

	// repo delete.
	mustCLI(t, c, "repo", "delete", "--repo", "data", "--force-yes")
	if r := cli(t, c, "repo", "get", "--repo", "data"); r.Code != 2 {
		t.Fatalf("repo still there after delete: exit %d", r.Code)
	}
}
