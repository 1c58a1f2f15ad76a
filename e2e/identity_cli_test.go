package e2e

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/localcluster"
)

var e2eKeySecret = regexp.MustCompile(`(?m)^access_key: (\S+)\nsecret_key: (\S+)$`)

// cliAs runs the CLI against one node with another key (environment
// beats the client.yaml's keys).
func cliAs(t *testing.T, c *localcluster.Cluster, node int, id, secret string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, append([]string{"--server", c.Nodes[node].APIURL()}, args...)...)
	cmd.Env = append(os.Environ(), "DATAMON_CONFIG="+c.ClientConfigPath(), "DATAMON_ACCESS_KEY="+id, "DATAMON_SECRET_KEY="+secret)
	cmd.SysProcAttr = dieWithTest()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return cliResult{Stdout: out.String(), Stderr: errb.String(), Code: code}
}

// untilEvery polls until f succeeds on every node (replication lag of a
// new or rotated key), or fails the test.
func untilEvery(t *testing.T, c *localcluster.Cluster, what string, f func(node int) cliResult, ok func(cliResult) bool) {
	t.Helper()
	for i := range c.Nodes {
		deadline := time.Now().Add(20 * time.Second)
		for {
			r := f(i)
			if ok(r) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s on node %d: exit %d %q %q", what, i, r.Code, r.Stdout, r.Stderr)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// Users and keys made with the CLI on a real three-process cluster: a key
// with a read grant works on every node and only as granted; a rotation
// without grace revokes the old secret everywhere; deleting the user
// revokes its key; the secret appears only in create and rotate output.
func TestIdentityCLICluster(t *testing.T) {
	t.Parallel() // own cluster, ports, HOME and tools: runs beside the other parallel e2e tests (doc.go)
	c := startCluster(t, 3, 3, "")
	mustCLI(t, c, "repo", "create", "--repo", "open", "--description", "readable")
	mustCLI(t, c, "repo", "create", "--repo", "closed", "--description", "not readable")
	mustCLI(t, c, "user", "create", "--name", "ci", "--email", "ci@example.com")
	r := cli(t, c, "key", "create", "--user", "ci", "--grant", "default/open=read")
	m := e2eKeySecret.FindStringSubmatch(r.Stdout)
	if r.Code != 0 || m == nil || !strings.Contains(r.Stderr, "will not be shown again") {
		t.Fatalf("key create: %d %q %q", r.Code, r.Stdout, r.Stderr)
	}
	id, secret := m[1], m[2]
	if out := mustCLI(t, c, "--output", "json", "key", "get", id); strings.Contains(out, secret) || !strings.Contains(out, `"default/open=read"`) {
		t.Fatalf("key get shows %q", out)
	}

	untilEvery(t, c, "repo list with the new key",
		func(i int) cliResult { return cliAs(t, c, i, id, secret, "repo", "list", "--format", "{{.Name}}") },
		func(r cliResult) bool { return r.Code == 0 && r.Stdout == "open\n" })
	if r := cliAs(t, c, 0, id, secret, "repo", "get", "--repo", "closed"); r.Code == 0 || !strings.Contains(r.Stderr, "permission") {
		t.Fatalf("read closed with a grant on open only: %d %q", r.Code, r.Stderr)
	}
	if r := cliAs(t, c, 1, id, secret, "repo", "create", "--repo", "x", "--description", "d"); r.Code == 0 {
		t.Fatal("a read key created a repo")
	}

	readOnlyKey(t, c, id, secret)

	// The pipeline rolls its own secret (no grace): the old one stops
	// working on every node, the new one works.
	r = cliAs(t, c, 2, id, secret, "key", "rotate", id, "--grace", "0s")
	m = e2eKeySecret.FindStringSubmatch(r.Stdout)
	if r.Code != 0 || m == nil || m[2] == secret {
		t.Fatalf("self rotate: %d %q %q", r.Code, r.Stdout, r.Stderr)
	}
	newSecret := m[2]
	untilEvery(t, c, "old secret refused",
		func(i int) cliResult { return cliAs(t, c, i, id, secret, "repo", "get", "--repo", "open") },
		func(r cliResult) bool {
			return r.Code != 0 && strings.Contains(strings.ToLower(r.Stderr), "unauthenticated")
		})
	untilEvery(t, c, "new secret",
		func(i int) cliResult { return cliAs(t, c, i, id, newSecret, "repo", "get", "--repo", "open") },
		func(r cliResult) bool { return r.Code == 0 })

	mustCLI(t, c, "user", "delete", "ci", "--force-yes")
	untilEvery(t, c, "key of a deleted user",
		func(i int) cliResult { return cliAs(t, c, i, id, newSecret, "repo", "get", "--repo", "open") },
		func(r cliResult) bool {
			return r.Code != 0 && strings.Contains(strings.ToLower(r.Stderr), "unauthenticated")
		})
	if r := cli(t, c, "key", "get", id); r.Code != 2 {
		t.Fatalf("key get after user delete: exit %d %q", r.Code, r.Stderr)
	}
}

// readOnlyKey: a key with read on "open" downloads it, cannot upload to it,
// and neither `repo list` nor `aws s3 ls` shows "closed" (AccessDenied
// there, not NoSuchBucket).
func readOnlyKey(t *testing.T, c *localcluster.Cluster, id, secret string) {
	t.Helper()
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "a.txt"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, c, "bundle", "upload", "--repo", "open", "--path", src, "--message", "m", "--label", "main")
	dst := filepath.Join(t.TempDir(), "dst")
	if r := cliAs(t, c, 1, id, secret, "bundle", "download", "--repo", "open", "--label", "main", "--destination", dst); r.Code != 0 {
		t.Fatalf("download with read: %d %q", r.Code, r.Stderr)
	}
	if b, err := os.ReadFile(filepath.Join(dst, "a.txt")); err != nil || string(b) != "hello" {
		t.Fatalf("downloaded %q %v", b, err)
	}
	if r := cliAs(t, c, 1, id, secret, "bundle", "upload", "--repo", "open", "--path", src, "--message", "x", "--label", "main"); r.Code == 0 {
		t.Fatal("upload with a read key succeeded")
	}
	e := newS3ep(t, c, 2)
	e.ak, e.sk = id, secret
	if out := e.aws(t, "s3", "ls"); !strings.Contains(out, " open\n") || strings.Contains(out, "closed") {
		t.Fatalf("aws s3 ls with a read key on open: %q", out)
	}
	if out, err := e.awsErr(t, "s3", "ls", "s3://closed/"); err == nil || !strings.Contains(out, "AccessDenied") {
		t.Fatalf("aws s3 ls s3://closed: %v %q", err, out)
	}
	if out, err := e.awsErr(t, "s3", "cp", filepath.Join(src, "a.txt"), "s3://open/b.txt"); err == nil || !strings.Contains(out, "AccessDenied") {
		t.Fatalf("aws s3 cp to open with read: %v %q", err, out)
	}
}
