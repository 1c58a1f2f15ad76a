package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/audit"
	"github.com/datamon-io/datamon/localcluster"
)

// TestAuditAndBruteForce (issue 15 items 5 and 6, multi-process): writes
// through the CLI and S3, refused requests (unknown key, wrong signature,
// malformed Authorization, throttled after repeated failures) each get a
// clear 401/403/429/503 with a JSON or S3 XML error and change nothing;
// `datamon audit list` sees them all across the nodes with the right
// identity, action and target; no secret is in any audit file or node log.
func TestAuditAndBruteForce(t *testing.T) {
	t.Parallel() // own cluster, ports, HOME and tools: runs beside the other parallel e2e tests (doc.go)
	c := startCluster(t, 3, 1, "", "--auth-failures-per-key", "3")
	root := c.Secrets.AccessKey
	const wrongSecret = "wrong-secret-0123456789abcdefghij"

	// Writes: CLI (repo create, bundle upload) and S3 (PutObject on node 1).
	mustCLI(t, c, "repo", "create", "--repo", "audited", "--description", "audit e2e")
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "f.txt"), []byte("audited data"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, c, "bundle", "upload", "--repo", "audited", "--path", src, "--message", "v1")
	s1 := newS3ep(t, c, 1)
	s3expect(t, "S3 put", s1.signed(t, "PUT", "/audited/obj.txt", []byte("hello"), nil, time.Now()), 200, "")

	// Refused: the CLI with an unknown key (JSON 401, exit 1, nothing created).
	r := cliEnv(t, c, []string{"DATAMON_ACCESS_KEY=AKIDNOBODY0000000001", "DATAMON_SECRET_KEY=" + wrongSecret},
		"repo", "create", "--repo", "evil", "--description", "x")
	if r.Code != 1 || !strings.Contains(r.Stderr, "unknown access key") {
		t.Fatalf("CLI with an unknown key: exit %d %q", r.Code, r.Stderr)
	}
	// A malformed Authorization header on the API: 401 JSON Unauthenticated.
	api0 := c.Nodes[0].APIURL()
	req, _ := http.NewRequest("POST", api0+"/v1/contexts/default/repos", strings.NewReader(`{"name":"evil2"}`))
	req.Header.Set("Authorization", "DATAMON-HMAC-SHA256 Credential=,garbage")
	if st, body := httpDo(t, httpClient(), req); st != 401 || !strings.Contains(body, `"code":"Unauthenticated"`) {
		t.Fatalf("malformed Authorization: %d %s", st, body)
	}
	// S3 on node 0: unknown key, malformed header.
	s0 := newS3ep(t, c, 0)
	unknown := *s0
	unknown.ak = "AKIDNOBODY0000000002"
	s3expect(t, "S3 unknown key", unknown.signed(t, "PUT", "/audited/evil1", []byte("x"), nil, time.Now()), 403, "InvalidAccessKeyId")
	mal := s0.signed(t, "PUT", "/audited/evil2", []byte("x"), nil, time.Now())
	mal.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=garbage")
	s3expect(t, "S3 malformed", mal, 400, "AuthorizationHeaderMalformed")

	// Brute force from 127.0.0.2: three wrong signatures of the root key,
	// then even the right secret is refused there (503 SlowDown,
	// Retry-After) while the root key keeps working from 127.0.0.1.
	from2 := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}).DialContext, TLSClientConfig: &tls.Config{RootCAs: trustedPool(), MinVersion: tls.VersionTLS12}}}
	defer from2.CloseIdleConnections()
	wrong := *s0
	wrong.sk = wrongSecret
	for i := range 3 {
		st, body := httpDo(t, from2, wrong.signed(t, "PUT", "/audited/guess", []byte("x"), nil, time.Now()))
		if st != 403 || s3code([]byte(body)) != "SignatureDoesNotMatch" {
			t.Fatalf("guess %d: %d %s", i, st, body)
		}
	}
	resp, err := from2.Do(s0.signed(t, "PUT", "/audited/guess", []byte("x"), nil, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || s3code(b) != "SlowDown" || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("throttled: %d %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), b)
	}
	s3expect(t, "root key from 127.0.0.1", s0.signed(t, "PUT", "/audited/fine.txt", []byte("ok"), nil, time.Now()), 200, "")
	for _, k := range []string{"evil1", "evil2", "guess"} {
		s0.s3absent(t, "audited", k)
	}
	if out := mustCLI(t, c, "repo", "list"); strings.Contains(out, "evil") {
		t.Fatalf("a refused create left a repo: %s", out)
	}

	// The writes, from every node, with identity, action and target.
	out := mustCLI(t, c, "--output", "json", "audit", "list", "--since", "1h", "--repo", "default/audited")
	recs := parseAuditLines(t, out)
	want := map[string]func(audit.Record) bool{
		"repo create": func(r audit.Record) bool {
			return r.Action == "POST /v1/contexts/{ctx}/repos" && r.Status == 201 && r.KeyID == root && r.User == "root"
		},
		"bundle commit": func(r audit.Record) bool {
			return r.Action == "POST /v1/contexts/{ctx}/repos/{repo}/bundles" && r.Status == 201 && r.Target.Bundle != ""
		},
		"S3 put": func(r audit.Record) bool {
			return r.Action == "s3:PutObject" && r.Status == 200 && r.Target.Key == "obj.txt" && r.Node == c.Nodes[1].ID && r.KeyID == root
		},
	}
	for name, ok := range want {
		if !anyRecord(recs, func(r audit.Record) bool { return r.Authenticated && !r.Refused && ok(r) }) {
			t.Errorf("audit list has no %s: %s", name, out)
		}
	}
	// The refusals, with the claimed key and the source address.
	out = mustCLI(t, c, "--output", "json", "audit", "list", "--since", "1h", "--refused")
	recs = parseAuditLines(t, out)
	refusals := map[string]func(audit.Record) bool{
		"CLI unknown key": func(r audit.Record) bool {
			return r.KeyID == "AKIDNOBODY0000000001" && r.Status == 401 && r.Code == "Unauthenticated" && r.Target.Repo == "evil"
		},
		"API malformed": func(r audit.Record) bool {
			return r.Surface == "api" && r.Status == 401 && r.KeyID == "" && r.Node == c.Nodes[0].ID
		},
		"S3 unknown key": func(r audit.Record) bool {
			return r.KeyID == "AKIDNOBODY0000000002" && r.Code == "InvalidAccessKeyId" && r.Target.Key == "evil1"
		},
		"S3 malformed": func(r audit.Record) bool { return r.Code == "AuthorizationHeaderMalformed" && r.Target.Key == "evil2" },
		"S3 wrong signature": func(r audit.Record) bool {
			return r.Code == "SignatureDoesNotMatch" && r.KeyID == root && r.Source == "127.0.0.2" && r.Action == "s3:PutObject"
		},
		"S3 throttled": func(r audit.Record) bool {
			return r.Code == audit.CodeThrottled && r.Status == 503 && r.KeyID == root && r.Source == "127.0.0.2"
		},
	}
	for name, ok := range refusals {
		if !anyRecord(recs, ok) {
			t.Errorf("audit list --refused has no %s: %s", name, out)
		}
	}
	// The text table and a user filter.
	if out := mustCLI(t, c, "audit", "list", "--since", "1h", "--user", "root", "--repo", "audited"); !strings.Contains(out, "s3:PutObject") || !strings.Contains(out, "default/audited") {
		t.Errorf("audit list --user root: %s", out)
	}

	// No secret in any audit file or node log.
	secrets := []string{c.Secrets.SecretKey, wrongSecret, "Signature="}
	for _, n := range c.Nodes {
		files, _ := filepath.Glob(filepath.Join(n.Dir, "audit", "*"))
		if len(files) == 0 {
			t.Errorf("%s: no audit files", n.ID)
		}
		for _, f := range append(files, n.LogPath()) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range secrets {
				if bytes.Contains(b, []byte(s)) {
					t.Errorf("%s holds %q", f, s)
				}
			}
			if info, _ := os.Stat(f); strings.Contains(f, "/audit/") && info.Mode().Perm() != 0o600 {
				t.Errorf("%s mode %v, want 0600", f, info.Mode().Perm())
			}
		}
	}
}

// cliEnv runs the CLI with the cluster's config and extra environment.
func cliEnv(t *testing.T, c *localcluster.Cluster, env []string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(append(os.Environ(), "DATAMON_CONFIG="+c.ClientConfigPath()), env...)
	cmd.SysProcAttr = dieWithTest()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return cliResult{Stdout: out.String(), Stderr: errb.String(), Code: code}
}

func httpDo(t *testing.T, hc *http.Client, req *http.Request) (int, string) {
	t.Helper()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func parseAuditLines(t *testing.T, out string) []audit.Record {
	t.Helper()
	var recs []audit.Record
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		r, err := audit.ParseRecord([]byte(l))
		if err != nil {
			t.Fatalf("audit line %q: %v", l, err)
		}
		recs = append(recs, r)
	}
	return recs
}

func anyRecord(recs []audit.Record, ok func(audit.Record) bool) bool {
	for _, r := range recs {
		if ok(r) {
			return true
		}
	}
	return false
}
