package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/transfer"
)

func mustUpload(t *testing.T, e *testEnv, args ...string) string {
	t.Helper()
	out, errOut, code := e.runB(t, append([]string{"bundle", "upload", "--repo", "r"}, args...)...)
	m := bundleIDLine.FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("upload %v: %d %q %q", args, code, out, errOut)
	}
	return m[1]
}

func readTree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	_ = filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil || p == root {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, root+"/"))
		if transfer.IsReserved(rel) {
			return filepath.SkipDir
		}
		switch {
		case fi.IsDir():
			out[rel+"/"] = fi.Mode().Perm().String()
		case fi.Mode()&os.ModeSymlink != 0:
			tgt, _ := os.Readlink(p)
			out[rel] = "-> " + tgt
		default:
			b, _ := os.ReadFile(p)
			out[rel] = fi.Mode().Perm().String() + " " + string(b)
		}
		return nil
	})
	return out
}

func sameFiles(t *testing.T, want, got string) {
	t.Helper()
	w, g := readTree(t, want), readTree(t, got)
	if len(w) != len(g) {
		t.Errorf("%d paths, want %d: %v", len(g), len(w), g)
	}
	for k, v := range w {
		if g[k] != v {
			t.Errorf("%s: %q, want %q", k, g[k], v)
		}
	}
}

func TestBundleCLI(t *testing.T) {
	e := newBundleEnv(t)
	if _, errOut, code := e.runB(t, "repo", "create", "--repo", "r", "--description", "d"); code != 0 {
		t.Fatal(errOut)
	}
	v1 := mkTree(t, map[string]string{"zero": "", "one": "1", "a/b/c/d/e/f/deep": "deep", "keep.txt": "keep", "gone.txt": "gone", "empty/": ""})
	if err := os.Symlink("keep.txt", filepath.Join(v1, "link")); err != nil {
		t.Fatal(err)
	}
	out, _, code := e.runB(t, "bundle", "upload", "--repo", "r", "--path", v1, "--message", "first", "--label", "v1")
	id1 := bundleIDLine.FindStringSubmatch(out)
	if code != 0 || id1 == nil || !strings.HasSuffix(out, "\nset label 'v1'\n") {
		t.Fatalf("upload: %d %q", code, out)
	}
	v2 := mkTree(t, map[string]string{"zero": "", "one": "2", "a/b/c/d/e/f/deep": "deep", "keep.txt": "keep", "new.txt": "new"})
	id2 := mustUpload(t, e, "--path", v2, "--message", "second")

	// list, get
	out, _, _ = e.runB(t, "bundle", "list", "--repo", "r")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], id1[1]+" , ") || !strings.HasSuffix(lines[1], " , second") {
		t.Fatalf("list: %q", out)
	}
	if out, _, _ = e.runB(t, "bundle", "get", "--repo", "r", "--label", "v1", "--format", "{{.ID}}"); out != id1[1]+"\n" {
		t.Fatalf("get --label: %q", out)
	}

	// download by label, then errors: non-empty destination, exclusive flags, missing label/repo
	dst := filepath.Join(t.TempDir(), "dst")
	out, errOut, code := e.runB(t, "bundle", "download", "--repo", "r", "--label", "v1", "--destination", dst)
	if code != 0 || out != "Using bundle: "+id1[1]+"\n" {
		t.Fatalf("download: %d %q %q", code, out, errOut)
	}
	sameFiles(t, v1, dst)
	if _, errOut, code := e.runB(t, "bundle", "download", "--repo", "r", "--destination", dst); code != 1 || !strings.Contains(errOut, "--force-dest") {
		t.Fatalf("non-empty destination: %d %q", code, errOut)
	}
	if _, _, code := e.runB(t, "bundle", "download", "--repo", "r", "--destination", dst, "--bundle", id2, "--label", "v1"); code != exitUsage {
		t.Fatalf("--bundle with --label: %d", code)
	}
	if _, errOut, code := e.runB(t, "bundle", "download", "--repo", "r", "--destination", t.TempDir(), "--label", "nope"); code != exitNotFound || !strings.Contains(errOut, `label "nope" of repo "r" not found`) {
		t.Fatalf("missing label: %d %q", code, errOut)
	}
	if _, _, code := e.runB(t, "bundle", "list", "files", "--repo", "nope"); code != exitNotFound {
		t.Fatalf("missing repo: %d", code)
	}
	if _, _, code := e.runB(t, "bundle", "download", "--repo", "r", "--destination", t.TempDir(), "--name-filter", "("); code != exitUsage {
		t.Fatalf("bad name filter: %d", code)
	}

	// name filter, one file
	nf := t.TempDir()
	if _, _, code := e.runB(t, "bundle", "download", "--repo", "r", "--destination", nf, "--name-filter", `^new`); code != 0 {
		t.Fatal("name filter download")
	}
	if got := readTree(t, nf); len(got) != 1 || got["new.txt"] != "-rw-r----- new" {
		t.Fatalf("name filter: %v", got)
	}
	one := t.TempDir()
	if _, errOut, code := e.runB(t, "bundle", "download", "file", "--repo", "r", "--bundle", id1[1], "--file", "a/b/c/d/e/f/deep", "--destination", one); code != 0 {
		t.Fatalf("download file: %q", errOut)
	}
	if b, err := os.ReadFile(filepath.Join(one, "a/b/c/d/e/f/deep")); err != nil || string(b) != "deep" {
		t.Fatalf("download file: %q %v", b, err)
	}
	if _, _, code := e.runB(t, "bundle", "download", "file", "--repo", "r", "--file", "missing", "--destination", one); code != exitNotFound {
		t.Fatalf("download missing file: %d", code)
	}

	// list files: text and json
	out, _, _ = e.runB(t, "bundle", "list", "files", "--repo", "r", "--label", "v1")
	if !strings.Contains(out, "name:one, size:1, hash:") || !strings.Contains(out, "name:zero, size:0, hash:") || strings.Count(out, "\n") != 5 {
		t.Fatalf("list files: %q", out)
	}
	if out, _, _ = e.runB(t, "bundle", "list", "files", "--repo", "r", "--label", "v1", "--all"); strings.Count(out, "\n") != 13 {
		t.Fatalf("list files --all: %q", out)
	}
	out, _, _ = e.runB(t, "--output", "json", "bundle", "list", "files", "--repo", "r", "--all")
	var files []bundleFile
	if err := json.Unmarshal([]byte(out), &files); err != nil || len(files) != 11 || files[len(files)-1].Name != "zero" {
		t.Fatalf("list files json: %v %q", err, out)
	}

	// diff and update local v1 → latest (v2)
	out, _, code = e.runB(t, "bundle", "diff", "--repo", "r", "--destination", dst)
	for _, want := range []string{"A , new.txt , 0 ,  , 3 , ", "D , gone.txt , 4 , ", "U , one , 1 , ", "D , link , ", "D , empty , "} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("diff lacks %q: %d %q", want, code, out)
		}
	}
	if out, errOut, code := e.runB(t, "bundle", "update", "--repo", "r", "--destination", dst); code != 0 || out != "Using bundle: "+id2+"\n" {
		t.Fatalf("update: %d %q %q", code, out, errOut)
	}
	sameFiles(t, v2, dst)
	if out, _, _ := e.runB(t, "bundle", "diff", "--repo", "r", "--destination", dst); out != "" {
		t.Fatalf("diff after update: %q", out)
	}

	// --files, --output json with statistics: the re-upload sends nothing new
	list := writeFile(t, "list.txt", "keep.txt\n./a/b\n")
	out, _, code = e.runB(t, "--output", "json", "bundle", "upload", "--repo", "r", "--path", v1, "--message", "m", "--files", list)
	var res uploadResult
	if err := json.Unmarshal([]byte(out), &res); code != 0 || err != nil || res.Stats.Files != 2 || res.Stats.BytesNew != 0 || res.Bundle.FileCount != 2 {
		t.Fatalf("upload --files: %d %v %q", code, err, out)
	}
	// One naming style for every key (snake_case, as the bundle's own).
	if k := regexp.MustCompile(`"[a-z_]*[A-Z][A-Za-z_]*":`).FindString(out); k != "" || !strings.Contains(out, `"chunks_new":`) {
		t.Fatalf("upload --output json has key %s outside snake_case (or no chunks_new): %s", k, out)
	}
	if _, _, code := e.runB(t, "bundle", "upload", "--repo", "r", "--path", v1, "--message", "m", "--files", writeFile(t, "bad.txt", "../x\n")); code != exitUsage {
		t.Fatalf("bad --files: %d", code)
	}
	if _, _, code := e.runB(t, "bundle", "upload", "--repo", "nope", "--path", v1, "--message", "m"); code != exitNotFound {
		t.Fatalf("upload to missing repo: %d", code)
	}
}

func TestProgressLine(t *testing.T) {
	s := transfer.Progress{Files: 5, TotalFiles: 10, Bytes: 512 << 20, TotalBytes: 1 << 30, TotalKnown: true, Elapsed: 4 * time.Second}
	got := progressLine("upload", s)
	want := "upload [=========>          ]  50% 512.0 MiB/1.0 GiB 5/10 files 128.0 MiB/s ETA 0:04"
	if got != want {
		t.Fatalf("%q\nwant %q", got, want)
	}
	s.Done, s.Bytes, s.Files = true, 1<<30, 10
	if got := progressLine("upload", s); !strings.Contains(got, "100%") || !strings.HasSuffix(got, "in 0:04") {
		t.Fatalf("done: %q", got)
	}
	s.TotalKnown, s.Done = false, false
	if got := progressLine("upload", s); !strings.Contains(got, "/? ") || !strings.HasSuffix(got, "ETA ?") {
		t.Fatalf("unknown total: %q", got)
	}
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 5 << 30: "5.0 GiB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
