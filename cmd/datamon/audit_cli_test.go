package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/audit"
	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp/fasthttputil"
)

// auditEnv is a CLI test env whose API node keeps a real audit log.
func auditEnv(t *testing.T) *testEnv {
	t.Helper()
	l, err := audit.Open(audit.Config{Dir: filepath.Join(t.TempDir(), "audit"), Node: "n1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	meta := &repoMeta{ctxs: map[string]model.Context{"default": {Name: "default"}}, repos: map[string]model.Repo{}, key: testKey}
	cfg := api.DefaultConfig()
	cfg.Audit = l
	srv := api.New(cfg, meta, &mapChunks{m: map[chunk.ID][]byte{}}, oneNode{})
	ln := fasthttputil.NewInmemoryListener()
	hs := srv.HTTPServer()
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Shutdown(); _ = ln.Close() })
	path := writeFile(t, "client.yaml", "server: http://node1:7001\naccess_key: AKCLI\nsecret_key: cli-secret\nname: Jane\nemail: jane@x\n")
	return &testEnv{ln: ln, cfgPath: path, env: map[string]string{}}
}

func TestAuditListCLI(t *testing.T) {
	e := auditEnv(t)
	for _, r := range []string{"r1", "r2"} {
		if _, errOut, code := e.run(t, "", "repo", "create", "--repo", r, "--description", "d"); code != 0 {
			t.Fatalf("repo create: %d %s", code, errOut)
		}
	}
	out, errOut, code := e.run(t, "", "audit", "list", "--since", "1h", "--repo", "r1")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[0], "TIME") {
		t.Fatalf("audit list: exit %d, %q %q", code, out, errOut)
	}
	for _, want := range []string{"n1", "api", "CLI", "AKCLI", "POST /v1/contexts/{ctx}/repos", "default/r1", "201"} {
		if !strings.Contains(lines[1], want) {
			t.Errorf("row %q lacks %q", lines[1], want)
		}
	}
	// JSON lines: one record per line, both repos for the user.
	out, _, code = e.run(t, "", "--output", "json", "audit", "list", "--user", "CLI")
	var recs []audit.Record
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var r audit.Record
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		recs = append(recs, r)
	}
	if code != 0 || len(recs) != 2 || recs[0].Target.Repo != "r1" || recs[1].Target.Repo != "r2" || strings.Contains(out, "cli-secret") {
		t.Fatalf("json export: exit %d %q", code, out)
	}
	if out, _, _ := e.run(t, "", "audit", "list", "--limit", "1", "--format", "{{.Target}}"); strings.TrimSpace(out) != "default/r2" {
		t.Fatalf("--limit 1 --format: %q, want the latest", out)
	}
	if out, _, code := e.run(t, "", "audit", "list", "--user", "nobody"); code != 0 || strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "TIME") {
		t.Fatalf("no match: exit %d %q", code, out)
	}
	for _, args := range [][]string{
		{"audit", "list", "--since", "yesterday"},
		{"audit", "list", "--limit", "0"},
		{"audit", "list", "--since", "1h", "--until", "2h"},
		{"audit", "list", "--repo", "a/b/c"},
		{"audit", "list", "extra"},
	} {
		if _, errOut, code := e.run(t, "", args...); code != exitUsage {
			t.Errorf("%v: exit %d %q, want 64", args, code, errOut)
		}
	}
}

func TestParseWhen(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"":                     {},
		"90m":                  now.Add(-90 * time.Minute),
		"7d":                   now.Add(-7 * 24 * time.Hour),
		"2026-03-01":           time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		"2026-03-01T10:00:00Z": time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
	} {
		got, err := parseWhen(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("%q: %v %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"-1h", "xd", "-3d", "tomorrow", "2026-13-01", "99999999d"} {
		if _, err := parseWhen(in, now); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func FuzzParseWhen(f *testing.F) {
	for _, s := range []string{"", "1h", "7d", "2026-03-01", "2026-03-01T10:00:00Z", "-1h", "0d", "1e9h", "d", "5"} {
		f.Add(s)
	}
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseWhen(s, now)
		if err != nil {
			return
		}
		s = strings.TrimSpace(s)
		if s == "" && !got.IsZero() {
			t.Fatalf("blank gave %v", got)
		}
		_, derr := time.ParseDuration(s)
		if (derr == nil || strings.HasSuffix(s, "d")) && got.After(now) {
			t.Fatalf("%q: a duration back from now gave %v, after now", s, got)
		}
	})
}
