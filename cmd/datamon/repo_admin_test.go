package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
	"github.com/datamon-io/datamon/s3backend"
	"github.com/valyala/fasthttp/fasthttputil"
)

// newRaftEnv is a real api.Server over a real one-node Raft metadata group
// (raftmetatest) and an in-memory chunk store, plus a client.yaml.
func newRaftEnv(t *testing.T) (*testEnv, *raftmeta.Meta) {
	t.Helper()
	key := testKey
	c := raftmetatest.New(t, 1, raftmetatest.Options{RootKey: &key})
	if _, err := c.Leader(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	m := c.Meta("n1")
	if err := raftmetatest.WaitFor(10*time.Second, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if _, err := m.GetContext(ctx, model.DefaultContext); err != nil {
			return err
		}
		_, err := m.GetAccessKey(ctx, key.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	srv := api.New(api.DefaultConfig(), m, &hashChunks{mapChunks{m: map[chunk.ID][]byte{}}}, oneNode{})
	ln := fasthttputil.NewInmemoryListener()
	hs := srv.HTTPServer()
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Shutdown(); _ = ln.Close() })
	path := writeFile(t, "client.yaml", "server: http://node1:7001\naccess_key: AKCLI\nsecret_key: cli-secret\nname: Jane\nemail: jane@x\n")
	return &testEnv{ln: ln, cfgPath: path, env: map[string]string{}}, m
}

var uploadedID = regexp.MustCompile(`^Uploaded bundle id:(\S+)\n`)

func uploadTree(t *testing.T, e *testEnv, repo string, files map[string]string, msg string) string {
	t.Helper()
	out, errOut, code := e.runB(t, "bundle", "upload", "--repo", repo, "--path", mkTree(t, files), "--message", msg, "--label", "main")
	m := uploadedID.FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("upload %s: %d %q %q", msg, code, out, errOut)
	}
	return m[1]
}

func without(files map[string]string, drop ...string) map[string]string {
	out := map[string]string{}
	for k, v := range files {
		out[k] = v
	}
	for _, d := range drop {
		delete(out, d)
	}
	return out
}

// repo delete files removes the paths from every bundle (the downloads
// lose exactly them), prints a line per bundle and a total, refuses bad
// paths and unconfirmed runs without changing anything; repo rename keeps
// every bundle (same IDs, same content) under the new name.
func TestRepoDeleteFilesAndRenameCLI(t *testing.T) {
	e, _ := newRaftEnv(t)
	if _, errOut, code := e.runB(t, "repo", "create", "--repo", "r", "--description", "people"); code != 0 {
		t.Fatal(errOut)
	}
	v1 := map[string]string{"a.txt": "a1", "secret/pii.csv": "jane,42", "keep/b.txt": "b"}
	v2 := map[string]string{"a.txt": "a2", "secret/pii.csv": "jane,43", "secret/other.csv": "x", "c.txt": "c"}
	v3 := map[string]string{"a.txt": "a3"}
	ids := []string{uploadTree(t, e, "r", v1, "one"), uploadTree(t, e, "r", v2, "two"), uploadTree(t, e, "r", v3, "three")}
	listBefore, _, code := e.runB(t, "bundle", "list", "--repo", "r")
	if code != 0 || strings.Count(listBefore, "\n") != 3 {
		t.Fatalf("bundle list: %d %q", code, listBefore)
	}

	// Refusals: traversal, absolute, both flags, no confirmation, "n".
	for _, args := range [][]string{
		{"--file", "../x"}, {"--file", "/etc/passwd"}, {"--file", "a/../../x"},
		{"--file", "a.txt", "--files", "l"}, {},
	} {
		_, errOut, code := e.runB(t, append([]string{"repo", "delete", "files", "--repo", "r", "--force-yes"}, args...)...)
		if code != exitUsage {
			t.Fatalf("%v: exit %d %q, want %d", args, code, errOut, exitUsage)
		}
		if len(args) == 2 && !strings.Contains(errOut, args[1]) {
			t.Fatalf("%v: %q does not name the path", args, errOut)
		}
	}
	list := writeFile(t, "list.txt", "secret/pii.csv\n/abs/path\n")
	if _, errOut, code := e.runB(t, "repo", "delete", "files", "--repo", "r", "--files", list, "--force-yes"); code != exitUsage ||
		!strings.Contains(errOut, "line 2") || !strings.Contains(errOut, "absolute") {
		t.Fatalf("bad list: %d %q", code, errOut)
	}
	if _, errOut, code := e.runB(t, "repo", "delete", "files", "--repo", "r", "--file", "a.txt"); code != exitUsage || !strings.Contains(errOut, "--force-yes") {
		t.Fatalf("no terminal, no --force-yes: %d %q", code, errOut)
	}
	if _, errOut, code := e.run(t, "n\n", "repo", "delete", "files", "--repo", "r", "--file", "a.txt"); code != exitDeclined || !strings.Contains(errOut, "aborted") {
		t.Fatalf("declined: %d %q", code, errOut)
	}
	dl := func(repo, id string) string {
		t.Helper()
		dst := filepath.Join(t.TempDir(), "dst")
		if out, errOut, code := e.runB(t, "bundle", "download", "--repo", repo, "--bundle", id, "--destination", dst); code != 0 {
			t.Fatalf("download %s: %d %q %q", id, code, out, errOut)
		}
		return dst
	}
	sameFiles(t, mkTree(t, v1), dl("r", ids[0])) // nothing changed so far

	// Delete one path (written sloppily) and one no bundle has, via a list.
	list = writeFile(t, "list2.txt", "./secret//pii.csv\r\n\nnot/there.txt\n")
	out, errOut, code := e.runB(t, "repo", "delete", "files", "--repo", "r", "--files", list, "--force-yes")
	want := fmt.Sprintf("bundle %s: removed 1 file\nbundle %s: removed 1 file\nbundle %s: removed 0 files\n"+
		"removed 2 files from 2 of 3 bundles in repo \"r\"\n", ids[0], ids[1], ids[2])
	if code != 0 || out != want {
		t.Fatalf("delete files: %d\n%s\nwant\n%s\nstderr %q", code, out, want, errOut)
	}
	if !strings.Contains(errOut, `not in any bundle: "not/there.txt"`) || !strings.Contains(errOut, "datamon gc") {
		t.Fatalf("delete files notes: %q", errOut)
	}
	// The upload recorded the directory "secret" (mode 0755): it stays, empty.
	v1After := mkTree(t, without(v1, "secret/pii.csv"))
	if err := os.Mkdir(filepath.Join(v1After, "secret"), 0o755); err != nil {
		t.Fatal(err)
	}
	sameFiles(t, v1After, dl("r", ids[0]))
	sameFiles(t, mkTree(t, without(v2, "secret/pii.csv")), dl("r", ids[1]))
	sameFiles(t, mkTree(t, v3), dl("r", ids[2]))
	if out, _, _ := e.runB(t, "bundle", "list", "files", "--repo", "r", "--bundle", ids[1]); strings.Contains(out, "pii") || !strings.Contains(out, "other.csv") {
		t.Fatalf("list files after delete: %q", out)
	}
	// Running it again changes nothing.
	out, _, code = e.runB(t, "repo", "delete", "files", "--repo", "r", "--file", "secret/pii.csv", "--force-yes")
	if code != 0 || !strings.HasSuffix(out, "removed 0 files from 0 of 3 bundles in repo \"r\"\n") {
		t.Fatalf("second delete: %d %q", code, out)
	}
	listAfter, _, _ := e.runB(t, "bundle", "list", "--repo", "r")
	if listAfter != listBefore {
		t.Fatalf("bundle list changed by delete files:\n%s\nwas\n%s", listAfter, listBefore)
	}

	// Rename: refusals first.
	if _, errOut, code := e.runB(t, "repo", "create", "--repo", "taken", "--description", "x"); code != 0 {
		t.Fatal(errOut)
	}
	if _, errOut, code := e.runB(t, "repo", "rename", "taken", "--repo", "r", "--force-yes"); code != exitError || !strings.Contains(errOut, `repo "taken" already exists`) {
		t.Fatalf("rename onto existing: %d %q", code, errOut)
	}
	if _, errOut, code := e.runB(t, "repo", "rename", "bad/name", "--repo", "r", "--force-yes"); code != exitUsage || !strings.Contains(errOut, "bad/name") {
		t.Fatalf("bad new name: %d %q", code, errOut)
	}
	if _, _, code := e.runB(t, "repo", "rename", "r2", "--repo", "nope", "--force-yes"); code != exitNotFound {
		t.Fatalf("rename missing repo: %d", code)
	}
	if _, _, code := e.run(t, "n\n", "repo", "rename", "r2", "--repo", "r"); code != exitDeclined {
		t.Fatalf("declined rename: %d", code)
	}
	_, errOut, code = e.runB(t, "repo", "rename", "r2", "--repo", "r", "--force-yes")
	if code != 0 || !strings.Contains(errOut, `renamed repo "r" to "r2" in context "default": 3 bundles, 1 label, 0 access key grants moved`) ||
		!strings.Contains(errOut, "S3 bucket names changed: s3://"+s3backend.BucketName(s3backend.Ref{Context: "default", Repo: "r"})+
			" is now s3://"+s3backend.BucketName(s3backend.Ref{Context: "default", Repo: "r2"})) {
		t.Fatalf("rename: %d %q", code, errOut)
	}
	if out, _, _ := e.runB(t, "bundle", "list", "--repo", "r2"); out != listBefore {
		t.Fatalf("bundle list --repo r2:\n%s\nwant\n%s", out, listBefore)
	}
	if _, _, code := e.runB(t, "bundle", "list", "--repo", "r"); code != exitNotFound {
		t.Fatalf("old name still lists: %d", code)
	}
	if out, _, _ := e.runB(t, "repo", "get", "--repo", "r2", "--format", "{{.Name}} {{.Description}} {{.Contributor.Name}}"); out != "r2 people CLI\n" { // the key's contributor, not client.yaml's
		t.Fatalf("repo get r2: %q", out)
	}
	sameFiles(t, mkTree(t, without(v2, "secret/pii.csv")), dl("r2", ids[1]))
	if out, _, _ := e.runB(t, "label", "get", "--repo", "r2", "--label", "main", "--format", "{{.BundleID}}"); !strings.HasPrefix(out, ids[2]) {
		t.Fatalf("label main after rename: %q", out)
	}
	if _, err := os.Stat(list); err != nil {
		t.Fatal(err)
	}
}
