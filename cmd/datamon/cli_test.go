package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRepoCommands(t *testing.T) {
	e := newTestEnv(t)
	if _, errOut, code := e.run(t, "", "repo", "create", "--repo", "r1", "--description", "first repo"); code != 0 {
		t.Fatalf("create: %d %s", code, errOut)
	}
	_, errOut, code := e.run(t, "", "repo", "create", "--repo", "r1", "--description", "again")
	if code != exitError || !strings.Contains(errOut, `repo "r1" in context "default" already exists`) {
		t.Fatalf("duplicate create: %d %q", code, errOut)
	}
	out, _, code := e.run(t, "", "repo", "list")
	// The contributor is the key's (testKey), not client.yaml's name/email.
	want := "r1 , first repo , CLI ,  , 2026-01-02 03:04:05 +0000 UTC\n"
	if code != 0 || out != want {
		t.Fatalf("list: %d %q, want %q", code, out, want)
	}
	out, _, _ = e.run(t, "", "repo", "list", "--output", "json")
	var rs []model.Repo
	if err := json.Unmarshal([]byte(out), &rs); err != nil || len(rs) != 1 || rs[0].Name != "r1" {
		t.Fatalf("list json: %q %v", out, err)
	}
	out, _, _ = e.run(t, "", "repo", "get", "--repo", "r1", "--format", "{{.Name}}:{{.Context}}")
	if out != "r1:default\n" {
		t.Fatalf("get --format: %q", out)
	}
	out, errOut, code = e.run(t, "", "repo", "get", "--repo", "nope")
	if code != exitNotFound || out != "" || !strings.Contains(errOut, `repo "nope" not found`) {
		t.Fatalf("get missing: %d %q %q", code, out, errOut)
	}
	if _, _, code := e.run(t, "", "repo", "get"); code != exitUsage {
		t.Fatalf("get without --repo: %d", code)
	}
	// Delete: refused without a terminal, aborted on "n", done on "y" or --force-yes.
	if _, errOut, code := e.run(t, "", "repo", "delete", "--repo", "r1"); code != exitUsage || !strings.Contains(errOut, "--force-yes") {
		t.Fatalf("delete without terminal: %d %q", code, errOut)
	}
	if _, errOut, code := e.run(t, "n\n", "repo", "delete", "--repo", "r1"); code != exitDeclined || !strings.Contains(errOut, "aborted: nothing was changed") {
		t.Fatalf("delete answered n: exit %d %q, want exit 1 and \"aborted\"", code, errOut)
	}
	if _, _, code := e.run(t, "", "repo", "get", "--repo", "r1"); code != 0 {
		t.Fatal("repo deleted despite 'n'")
	}
	if _, _, code := e.run(t, "y\n", "repo", "delete", "--repo", "r1"); code != 0 {
		t.Fatalf("delete answered y: %d", code)
	}
	if _, _, code := e.run(t, "", "repo", "delete", "--repo", "r1", "--force-yes"); code != exitNotFound {
		t.Fatalf("delete missing repo: %d", code)
	}
}

func TestLabelContextClusterCommands(t *testing.T) {
	e := newTestEnv(t)
	_, errOut, code := e.run(t, "", "label", "set", "--repo", "r1", "--label", "l", "--bundle", "b", "--if-not-exists")
	if code != exitPrecondition || strings.Count(errOut, "precondition failed") != 1 || !strings.Contains(errOut, `label "l" exists`) {
		t.Fatalf("label set precondition: %d %q (want the reason, and \"precondition failed\" once)", code, errOut)
	}
	if _, errOut, code := e.run(t, "", "label", "set", "--repo", "r1", "--label", "l", "--bundle", "b"); code != exitNotFound || !strings.Contains(errOut, `bundle "b" in repo "r1" not found`) {
		t.Fatalf("label set of an unknown bundle: %d %q (want the bundle named as missing)", code, errOut)
	}
	if _, _, code := e.run(t, "", "label", "set", "--repo", "r1", "--label", "l", "--bundle", "b", "--if-not-exists", "--if-match", "x"); code != exitUsage {
		t.Fatalf("exclusive flags: %d", code)
	}
	if _, errOut, code := e.run(t, "", "label", "get", "--repo", "r1", "--label", "l"); code != exitNotFound || !strings.Contains(errOut, `label "l" of repo "r1" not found`) {
		t.Fatalf("label get missing: %d %q", code, errOut)
	}
	if _, errOut, code := e.run(t, "", "bundle", "get", "--repo", "r1"); code != exitNotFound || !strings.Contains(errOut, `latest bundle of repo "r1" not found`) {
		t.Fatalf("bundle get latest missing: %d %q", code, errOut)
	}
	if _, _, code := e.run(t, "", "bundle", "get", "--repo", "r1", "--bundle", "b", "--label", "l"); code != exitUsage {
		t.Fatalf("bundle get exclusive flags: %d", code)
	}
	if out, _, code := e.run(t, "", "label", "list", "--repo", "r1", "--output", "json"); code != 0 || strings.TrimSpace(out) != "[]" {
		t.Fatalf("empty label list json: %d %q", code, out)
	}
	if _, _, code := e.run(t, "", "context", "create", "--context", "prod", "--description", "production"); code != 0 {
		t.Fatalf("context create: %d", code)
	}
	if _, _, code := e.run(t, "", "context", "create"); code != exitUsage {
		t.Fatalf("context create without --context: %d", code)
	}
	out, _, _ := e.run(t, "", "context", "list", "--format", "{{.Name}}")
	if out != "default\nprod\n" {
		t.Fatalf("context list: %q", out)
	}
	if _, _, code := e.run(t, "", "context", "get", "--context", "nope"); code != exitNotFound {
		t.Fatalf("context get missing: %d", code)
	}
	// A table with a header and human units; --format keeps the raw values.
	out, _, _ = e.run(t, "", "cluster", "members")
	if out != "NODE  SITE  STATE  GOSSIP          API             CAPACITY  RAFT\n"+
		"n1    s1    alive  127.0.0.1:7946  127.0.0.1:7001  100 B     -\n" { // last: raft role (- : unknown)
		t.Fatalf("members: %q", out)
	}
	out, _, _ = e.run(t, "", "cluster", "members", "--format", fmtMember)
	if out != "n1 , s1 , alive , 127.0.0.1:7946 , 127.0.0.1:7001 , 100 , -\n" {
		t.Fatalf("members --format: %q", out)
	}
	out, _, _ = e.run(t, "", "cluster", "status")
	if !strings.Contains(out, "state: Leader\n") || !strings.Contains(out, "voters: n1\n") {
		t.Fatalf("status: %q", out)
	}
	if _, _, code := e.run(t, "", "cluster", "remove-node"); code != exitUsage {
		t.Fatalf("remove-node without ID: %d", code)
	}
}

func TestDebugChunk(t *testing.T) {
	e := newTestEnv(t)
	out, _, code := e.run(t, "hello chunk", "debug", "chunk", "put", "-")
	id := strings.TrimSpace(out)
	if code != 0 || id != chunk.Sum([]byte("hello chunk")).String() {
		t.Fatalf("put stdin: %d %q", code, out)
	}
	out, _, code = e.run(t, "", "debug", "chunk", "get", id)
	if code != 0 || out != "hello chunk" {
		t.Fatalf("get: %d %q", code, out)
	}
	if _, _, code := e.run(t, "", "debug", "chunk", "get", chunk.Sum([]byte("x")).String()); code != exitNotFound {
		t.Fatalf("get missing: %d", code)
	}
	if _, _, code := e.run(t, "", "debug", "chunk", "get", "zz"); code != exitUsage {
		t.Fatalf("get bad id: %d", code)
	}
	big := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(big, make([]byte, maxDebugChunk+1), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := e.run(t, "", "debug", "chunk", "put", big)
	if code != exitError || !strings.Contains(errOut, "larger than 16 MiB") {
		t.Fatalf("big file: %d %q", code, errOut)
	}
}
