package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

var keySecretOut = regexp.MustCompile(`^access_key: (DM[A-Z2-7]{18})\nsecret_key: ([A-Za-z0-9]{40})\nuser: (\S+)\ngrants: (\S*)\n`)

// as runs the CLI with another key's credentials (environment beats the
// config file).
func (e *testEnv) as(t *testing.T, id, secret string, args ...string) (string, string, int) {
	t.Helper()
	old := e.env
	e.env = map[string]string{"DATAMON_ACCESS_KEY": id, "DATAMON_SECRET_KEY": secret}
	defer func() { e.env = old }()
	return e.run(t, "", args...)
}

// user, key and grant over a real one-node Raft metadata group: output
// habits (text lines, --format, --output json), the secret printed only by
// create and rotate with a "not shown again" line, exit 2 for what does not
// exist, 64 for bad input (nothing sent), and the keys working as granted.
func TestIdentityCLI(t *testing.T) {
	e, _ := newRaftEnv(t)
	for _, r := range []string{"r", "r2"} {
		if _, errOut, code := e.run(t, "", "repo", "create", "--repo", r, "--description", "d"); code != 0 {
			t.Fatal(errOut)
		}
	}
	if _, errOut, code := e.run(t, "", "user", "create", "--name", "ada", "--email", "ada@example.com"); code != 0 || !strings.Contains(errOut, `created user "ada"`) {
		t.Fatalf("user create: %d %q", code, errOut)
	}
	for _, args := range [][]string{
		{"user", "create", "--name", "bad name"}, {"user", "create", "--name", "ok", "--email", "not an address"},
		{"user", "create"}, {"user", "get"}, {"user", "get", "a", "b"},
	} {
		if _, errOut, code := e.run(t, "", args...); code != exitUsage {
			t.Errorf("%v: exit %d %q, want 64", args, code, errOut)
		}
	}
	if _, errOut, code := e.run(t, "", "user", "create", "--name", "ada"); code != exitError || !strings.Contains(errOut, "already exists") {
		t.Fatalf("duplicate user: %d %q", code, errOut)
	}
	out, _, code := e.run(t, "", "user", "list")
	if code != 0 || !strings.HasPrefix(out, "ada , ada@example.com , 20") || strings.Count(out, "\n") != 1 {
		t.Fatalf("user list: %d %q", code, out)
	}
	if out, _, _ := e.run(t, "", "user", "get", "ada", "--format", "{{.Name}}<{{.Email}}>"); out != "ada<ada@example.com>\n" {
		t.Fatalf("user get --format: %q", out)
	}
	if _, errOut, code := e.run(t, "", "user", "get", "nobody"); code != exitNotFound || !strings.Contains(errOut, `user "nobody" not found`) {
		t.Fatalf("user get missing: %d %q", code, errOut)
	}

	// key create: the secret once, in client.yaml's words, and the warning.
	out, errOut, code := e.run(t, "", "key", "create", "--user", "ada", "--grant", "default/r=read")
	m := keySecretOut.FindStringSubmatch(out)
	if code != 0 || m == nil || m[3] != "ada" || m[4] != "default/r=read" || !strings.Contains(errOut, "will not be shown again") {
		t.Fatalf("key create: %d %q %q", code, out, errOut)
	}
	id, secret := m[1], m[2]
	for _, args := range [][]string{
		{"key", "create", "--user", "ada", "--grant", "default/r"}, {"key", "create", "--user", "ada", "--grant", "r=read"},
		{"key", "create", "--user", "ada", "--grant", "default/r=read", "--grant", "default/r=write"},
		{"key", "create"}, {"key", "rotate", id, "--grace", "-1s"}, {"key", "rotate", id, "--grace", "1000h"},
		{"grant", "add", "--key", id, "default/r=owner"}, {"grant", "add", "default/r=read"}, {"grant", "remove", "--key", id, "nocontext"},
	} {
		if _, errOut, code := e.run(t, "", args...); code != exitUsage {
			t.Errorf("%v: exit %d %q, want 64", args, code, errOut)
		}
	}
	if _, errOut, code := e.run(t, "", "key", "create", "--user", "nobody"); code != exitNotFound || !strings.Contains(errOut, `user "nobody" not found`) {
		t.Fatalf("key for a missing user: %d %q", code, errOut)
	}
	out, _, code = e.run(t, "", "--output", "json", "key", "create", "--user", "ada")
	var ks struct{ ID, Secret, User string }
	if err := json.Unmarshal([]byte(out), &ks); code != 0 || err != nil || len(ks.Secret) != 40 || ks.User != "ada" || ks.ID == id {
		t.Fatalf("key create --output json: %d %q %v", code, out, err)
	}

	// Reads never print a secret.
	for _, args := range [][]string{{"key", "get", id}, {"key", "list"}, {"key", "list", "--user", "ada"},
		{"--output", "json", "key", "get", id}, {"--output", "json", "key", "list"}, {"--output", "json", "user", "get", "ada"}} {
		out, errOut, code := e.run(t, "", args...)
		if code != 0 || strings.Contains(out, secret) || strings.Contains(out, ks.Secret) || strings.Contains(out, `"secret"`) {
			t.Fatalf("%v: %d %q %q", args, code, out, errOut)
		}
	}
	if out, _, _ := e.run(t, "", "key", "get", id); !strings.HasPrefix(out, id+" , ada , default/r=read , 20") {
		t.Fatalf("key get: %q", out)
	}
	if out, _, _ := e.run(t, "", "key", "list", "--user", "ada", "--format", "{{.ID}}"); strings.Count(out, "\n") != 2 || !strings.Contains(out, id+"\n") {
		t.Fatalf("key list --user: %q", out)
	}
	var list []map[string]any
	if out, _, _ := e.run(t, "", "--output", "json", "key", "list"); json.Unmarshal([]byte(out), &list) != nil || len(list) != 3 {
		t.Fatalf("key list --output json (root and two keys): %q", out)
	}
	if _, errOut, code := e.run(t, "", "key", "get", "DMNOSUCHKEYXXXXXXXXX"); code != exitNotFound || !strings.Contains(errOut, "not found") {
		t.Fatalf("key get missing: %d %q", code, errOut)
	}
	if _, errOut, code := e.run(t, "", "key", "list", "--user", "nobody"); code != exitNotFound {
		t.Fatalf("key list of a missing user: %d %q", code, errOut)
	}

	// The key reads r, not r2, and sees only r.
	if _, errOut, code := e.as(t, id, secret, "repo", "get", "--repo", "r"); code != 0 {
		t.Fatalf("read with the new key: %q", errOut)
	}
	if out, _, code := e.as(t, id, secret, "repo", "list", "--format", "{{.Name}}"); code != 0 || out != "r\n" {
		t.Fatalf("repo list with the new key: %d %q", code, out)
	}
	if _, errOut, code := e.as(t, id, secret, "user", "list"); code != exitError || !strings.Contains(errOut, "permission") {
		t.Fatalf("user list without admin: %d %q", code, errOut)
	}

	// Grants.
	if out, _, code := e.run(t, "", "grant", "add", "--key", id, "default/r2=write", "--format", "{{join .Grants}}"); code != 0 || out != "default/r=read,default/r2=write\n" {
		t.Fatalf("grant add: %d %q", code, out)
	}
	if out, _, code := e.as(t, id, secret, "repo", "list", "--format", "{{.Name}}"); code != 0 || out != "r\nr2\n" {
		t.Fatalf("repo list after grant: %d %q", code, out)
	}
	if _, errOut, code := e.run(t, "", "grant", "remove", "--key", id, "default/r2"); code != 0 {
		t.Fatalf("grant remove: %q", errOut)
	}
	if _, errOut, code := e.run(t, "", "grant", "remove", "--key", id, "default/r2"); code != exitNotFound || !strings.Contains(errOut, "not found") {
		t.Fatalf("grant remove again: %d %q", code, errOut)
	}
	if _, errOut, code := e.run(t, "", "grant", "add", "--key", "DMNOSUCHKEYXXXXXXXXX", "default/r=read"); code != exitNotFound {
		t.Fatalf("grant on a missing key: %d %q", code, errOut)
	}

	// Rotation, by the key itself: the new secret once; no grace revokes the old.
	out, errOut, code = e.as(t, id, secret, "key", "rotate", id, "--grace", "0s")
	m = keySecretOut.FindStringSubmatch(out)
	if code != 0 || m == nil || m[1] != id || m[2] == secret || !strings.Contains(errOut, "will not be shown again") {
		t.Fatalf("self rotate: %d %q %q", code, out, errOut)
	}
	newSecret := m[2]
	if _, errOut, code := e.as(t, id, secret, "repo", "get", "--repo", "r"); code == 0 || !strings.Contains(strings.ToLower(errOut), "unauthenticated") {
		t.Fatalf("old secret after rotation without grace: %d %q", code, errOut)
	}
	if _, errOut, code := e.as(t, id, newSecret, "repo", "get", "--repo", "r"); code != 0 {
		t.Fatalf("new secret: %q", errOut)
	}
	out, _, code = e.run(t, "", "key", "rotate", id, "--grace", "1h")
	if m = keySecretOut.FindStringSubmatch(out); code != 0 || m == nil || !strings.Contains(out, "old_secret_until: 20") {
		t.Fatalf("rotate with grace: %d %q", code, out)
	}
	if _, errOut, code := e.run(t, "", "key", "rotate", "DMNOSUCHKEYXXXXXXXXX"); code != exitNotFound {
		t.Fatalf("rotate a missing key: %d %q", code, errOut)
	}

	// Deletes: confirmation habits, then exit 2 afterwards.
	if _, errOut, code := e.run(t, "", "key", "delete", id); code != exitUsage || !strings.Contains(errOut, "--force-yes") {
		t.Fatalf("key delete without a terminal: %d %q", code, errOut)
	}
	if _, errOut, code := e.run(t, "n\n", "key", "delete", id); code != exitDeclined || !strings.Contains(errOut, "aborted") {
		t.Fatalf("key delete declined: %d %q", code, errOut)
	}
	if _, errOut, code := e.run(t, "y\n", "key", "delete", id); code != 0 {
		t.Fatalf("key delete: %q", errOut)
	}
	if _, _, code := e.run(t, "", "key", "get", id); code != exitNotFound {
		t.Fatalf("deleted key: %d", code)
	}
	if _, errOut, code := e.run(t, "", "user", "delete", "ada", "--force-yes"); code != 0 {
		t.Fatalf("user delete: %q", errOut)
	}
	for _, args := range [][]string{{"user", "get", "ada"}, {"key", "get", ks.ID}, {"user", "delete", "ada", "--force-yes"}} {
		if _, errOut, code := e.run(t, "", args...); code != exitNotFound {
			t.Errorf("%v after user delete: %d %q", args, code, errOut)
		}
	}
}

// Completion of user names and key IDs, and of a key's grant scopes.
func TestIdentityCompletion(t *testing.T) {
	e, _ := newRaftEnv(t)
	e.run(t, "", "user", "create", "--name", "ada", "--email", "ada@example.com")
	out, _, _ := e.run(t, "", "key", "create", "--user", "ada", "--grant", "default/r=read")
	m := keySecretOut.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("key create: %q", out)
	}
	const noFiles = ":4\n"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"user", "get", ""}, "ada\tada@example.com\n"},
		{[]string{"user", "get", "ada", ""}, ""},
		{[]string{"key", "create", "--user", "a"}, "ada\tada@example.com\n"},
		{[]string{"key", "rotate", "DM"}, m[1] + "\tada\n"},
		{[]string{"key", "list", "--user", ""}, "ada\tada@example.com\n"},
		{[]string{"grant", "remove", "--key", m[1], ""}, "default/r\tread\n"},
		{[]string{"grant", "add", "--key", m[1], ""}, ""},
	} {
		out, errOut, code := e.run(t, "", append([]string{"__complete"}, tc.args...)...)
		if code != 0 || out != tc.want+noFiles {
			t.Errorf("__complete %q: %d %q %q, want %q", tc.args, code, out, errOut, tc.want+noFiles)
		}
	}
}
