package main

import (
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestBundleListFilesListsFilesLikeDatamon(t *testing.T) {
	e := newSmallEnv(t)
	e.must(t, "repo", "create", "--repo", "r", "--description", "d")
	tree := mkTree(t, map[string]string{"a.txt": "aa", "dir/sub/b.bin": "bbbb", "empty/": ""})
	if err := os.Symlink("a.txt", filepath.Join(tree, "link")); err != nil {
		t.Fatal(err)
	}
	e.must(t, "bundle", "upload", "--repo", "r", "--path", tree, "--message", "m")

	out := e.must(t, "bundle", "list", "files", "--repo", "r")
	line := regexp.MustCompile(`^name:(\S+), size:(\d+), hash:[0-9a-f]{64}$`)
	var names []string
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("line %q is not datamon's name:, size:, hash: (all: %q)", l, out)
		}
		names = append(names, m[1]+"="+m[2])
	}
	if got := strings.Join(names, " "); got != "a.txt=2 dir/sub/b.bin=4" {
		t.Fatalf("files: %s (want files only, no directories or symlinks)", got)
	}
	// --all adds directories and symlinks.
	out = e.must(t, "bundle", "list", "files", "--repo", "r", "--all", "--format", "{{.Type}} {{.NameWithPath}}")
	want := "file a.txt\ndir dir\ndir dir/sub\nfile dir/sub/b.bin\ndir empty\nsymlink link\n"
	if out != want {
		t.Fatalf("--all:\n%s\nwant\n%s", out, want)
	}
	// --format keeps .Name; --prefix still applies.
	if out := e.must(t, "bundle", "list", "files", "--repo", "r", "--prefix", "dir", "--format", "{{.Name}}:{{.Size}}"); out != "dir/sub/b.bin:4\n" {
		t.Fatalf("--prefix --format: %q", out)
	}
	var files []bundleFile
	if err := json.Unmarshal([]byte(e.must(t, "--output", "json", "bundle", "list", "files", "--repo", "r")), &files); err != nil ||
		len(files) != 2 || files[0].Name != "a.txt" || files[1].Type != "file" {
		t.Fatalf("json: %+v %v", files, err)
	}
	if err := json.Unmarshal([]byte(e.must(t, "--output", "json", "bundle", "list", "files", "--repo", "r", "--all")), &files); err != nil || len(files) != 6 {
		t.Fatalf("json --all: %+v %v", files, err)
	}
}

func TestRepoWithSize(t *testing.T) {
	e := newSmallEnv(t)
	e.must(t, "repo", "create", "--repo", "r", "--description", "sized")
	e.must(t, "repo", "create", "--repo", "empty", "--description", "none")
	a, b := strings.Repeat("a", 1000), strings.Repeat("b", 24)
	id1 := e.upload(t, "r", "first", map[string]string{"a": a, "b": b})
	// The same two files again plus 2 KiB: they count twice (no dedup).
	id2 := e.upload(t, "r", "second", map[string]string{"a": a, "b": b, "c": strings.Repeat("c", 2048)})

	plain := e.must(t, "repo", "list")
	if strings.Contains(plain, "KiB") || strings.Count(plain, "\n") != 2 {
		t.Fatalf("repo list without --with-size: %q", plain)
	}
	out := e.must(t, "repo", "list", "--with-size")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "empty , none , ") || !strings.HasSuffix(lines[0], " , 0 (0 B)") ||
		!strings.HasPrefix(lines[1], "r , sized , ") || !strings.HasSuffix(lines[1], " , 4096 (4.0 KiB)") {
		t.Fatalf("repo list --with-size: %q", out)
	}
	if out := e.must(t, "repo", "list", "--with-size", "--format", "{{.Name}}={{.Size}}"); out != "empty=0\nr=4096\n" {
		t.Fatalf("--format: %q", out)
	}

	out = e.must(t, "repo", "get", "--repo", "r", "--with-size")
	lines = strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 || !strings.HasSuffix(lines[0], " , 4096 (4.0 KiB)") ||
		!regexp.MustCompile(`^  `+id1+` , first , \S+ \S+ \S+ \S+ , 1024 \(1\.0 KiB\)$`).MatchString(lines[1]) ||
		!regexp.MustCompile(`^  `+id2+` , second , .* , 3072 \(3\.0 KiB\)$`).MatchString(lines[2]) {
		t.Fatalf("repo get --with-size:\n%s", out)
	}
	var got repoWithSize
	if err := json.Unmarshal([]byte(e.must(t, "--output", "json", "repo", "get", "--repo", "r", "--with-size")), &got); err != nil ||
		got.Name != "r" || got.Size != 4096 || len(got.Bundles) != 2 || got.Bundles[1].ID != id2 || got.Bundles[1].Size != 3072 {
		t.Fatalf("json: %+v %v", got, err)
	}
	if _, _, code := e.exec(t, "repo", "get", "--repo", "nope", "--with-size"); code != exitNotFound {
		t.Fatalf("missing repo: %d", code)
	}
	// The help says the sum ignores dedup.
	if help := e.must(t, "repo", "list", "--help"); !strings.Contains(help, "ignoring dedup") {
		t.Fatalf("help: %s", help)
	}
}

func TestVerifyHashIsAcceptedAndAlwaysOn(t *testing.T) {
	e := newSmallEnv(t)
	e.must(t, "repo", "create", "--repo", "r", "--description", "d")
	e.upload(t, "r", "m", map[string]string{"f": "content of f"})
	const note = "note: --verify-hash=false is ignored: chunk hashes are always verified on read\n"

	dst := filepath.Join(t.TempDir(), "d1")
	if _, errOut, code := e.exec(t, "bundle", "download", "--repo", "r", "--destination", dst, "--verify-hash"); code != 0 || strings.Contains(errOut, "note:") {
		t.Fatalf("--verify-hash: %d %q", code, errOut)
	}
	dst = filepath.Join(t.TempDir(), "d2")
	_, errOut, code := e.exec(t, "bundle", "download", "--repo", "r", "--destination", dst, "--verify-hash=false")
	if b, _ := os.ReadFile(filepath.Join(dst, "f")); code != 0 || errOut != note+"1 files (12 B), 0 dirs, 0 symlinks written to "+dst+"\n" || string(b) != "content of f" {
		t.Fatalf("--verify-hash=false: %d %q %q", code, errOut, b)
	}
	// Accepted by the mounts (which then stop at their own missing flag).
	for _, args := range [][]string{{"bundle", "mount"}, {"bundle", "mount", "new"}, {"bundle", "download", "file"}} {
		_, errOut, code := e.exec(t, append(args, "--repo", "r", "--verify-hash=false")...)
		if code != exitUsage || strings.Contains(errOut, "unknown flag") || !strings.Contains(errOut, "missing required flag") || !strings.HasPrefix(errOut, note) {
			t.Errorf("%v --verify-hash=false: %d %q", args, code, errOut)
		}
		if help := e.must(t, append(args, "--help")...); !strings.Contains(help, "always on; accepted for datamon compatibility") {
			t.Errorf("%v help: %s", args, help)
		}
	}
}

// TestVerifyHashFalseStillVerifies: with --verify-hash=false a damaged chunk
// still fails the download (after transfer's retries: ~20 s, hence Parallel).
func TestVerifyHashFalseStillVerifies(t *testing.T) {
	t.Parallel()
	e := newSmallEnv(t)
	e.must(t, "repo", "create", "--repo", "r", "--description", "d")
	e.upload(t, "r", "m", map[string]string{"f": "content of f"})
	e.chunks.mu.Lock()
	for id := range e.chunks.m {
		if string(e.chunks.m[id]) == "content of f" {
			e.chunks.m[id] = []byte("CONTENT OF F")
		}
	}
	e.chunks.mu.Unlock()
	dst := filepath.Join(t.TempDir(), "d3")
	if _, errOut, code := e.exec(t, "bundle", "download", "--repo", "r", "--destination", dst, "--verify-hash=false"); code == 0 || !strings.Contains(errOut, "corrupt chunk") {
		t.Fatalf("damaged chunk with --verify-hash=false: %d %q", code, errOut)
	}
	if b, err := os.ReadFile(filepath.Join(dst, "f")); err == nil && string(b) == "CONTENT OF F" {
		t.Fatalf("damaged content written")
	}
}

func TestDynamicCompletion(t *testing.T) {
	e := newSmallEnv(t)
	e.must(t, "repo", "create", "--repo", "images", "--description", "pictures")
	e.must(t, "repo", "create", "--repo", "imports", "--description", "in")
	e.must(t, "repo", "create", "--repo", "other", "--description", "o")
	id1 := e.upload(t, "images", "first\nmore text", map[string]string{"f": "1"}, "--label", "v1")
	id2 := e.upload(t, "images", "second", map[string]string{"f": "2"}, "--label", "prod")

	complete := func(args ...string) string {
		t.Helper()
		out, errOut, code := e.exec(t, append([]string{"__complete"}, args...)...)
		if code != 0 || !strings.Contains(errOut, "Completion ended with directive") {
			t.Fatalf("__complete %v: %d %q", args, code, errOut)
		}
		return out
	}
	const noFiles = ":4\n" // ShellCompDirectiveNoFileComp
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bundle", "get", "--repo", ""}, "images\tpictures\nimports\tin\nother\to\n"},
		{[]string{"bundle", "download", "--repo", "im"}, "images\tpictures\nimports\tin\n"},
		{[]string{"repo", "get", "--repo=ima"}, "images\tpictures\n"},
		{[]string{"bundle", "get", "--repo", "images", "--label", ""}, "prod\t" + id2 + "\nv1\t" + id1 + "\n"},
		{[]string{"label", "get", "--repo", "images", "--label", "v"}, "v1\t" + id1 + "\n"},
		{[]string{"bundle", "get", "--repo", "images", "--bundle", ""}, id2 + "\tsecond\n" + id1 + "\tfirst\n"},
		{[]string{"bundle", "get", "--bundle", ""}, ""}, // no --repo yet
		{[]string{"repo", "list", "--context", ""}, "default\n"},
		{[]string{"cluster", "drain", ""}, "n1\ts1, alive\n"},
		{[]string{"cluster", "drain", "n1", ""}, ""},
		{[]string{"bundle", "get", "--repo", "missing", "--label", ""}, ""}, // server error: nothing
		{[]string{"repo", "list", ""}, ""},                                  // no arguments, no file names
	} {
		if got := complete(tc.args...); got != tc.want+noFiles {
			t.Errorf("__complete %q:\n%q\nwant\n%q", tc.args, got, tc.want+noFiles)
		}
	}
	// The --context given is used for --repo.
	if got := complete("--context", "nope", "bundle", "get", "--repo", ""); got != noFiles {
		t.Errorf("--context nope: %q", got)
	}

	// An unreachable cluster, a server that never answers, no config:
	// nothing offered, nothing printed, and soon.
	e.dial = func(string) (net.Conn, error) { return nil, errors.New("connection refused") }
	if got := complete("bundle", "get", "--repo", ""); got != noFiles {
		t.Errorf("unreachable: %q", got)
	}
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	e.dial = func(string) (net.Conn, error) {
		c1, c2 := net.Pipe()
		conns = append(conns, c1, c2) // c2 is never read: the request hangs
		return c1, nil
	}
	start := time.Now()
	if got := complete("bundle", "get", "--repo", ""); got != noFiles {
		t.Errorf("hanging server: %q", got)
	}
	if d := time.Since(start); d > completionTimeout+3*time.Second {
		t.Errorf("hanging server: completion took %v", d)
	}
	e.dial = nil
	e.env["DATAMON_CONFIG"] = filepath.Join(t.TempDir(), "none.yaml")
	out, errOut, _ := e.exec(t, "__complete", "bundle", "get", "--repo", "")
	if out != noFiles || strings.Contains(errOut, "datamon:") {
		t.Errorf("no config: %q %q", out, errOut)
	}

	// The completion scripts.
	for _, sh := range []string{"bash", "zsh", "fish"} {
		if out := e.must(t, "completion", sh); !strings.Contains(out, "__complete") {
			t.Errorf("completion %s: no dynamic completion in %q", sh, out[:min(len(out), 200)])
		}
	}
}
