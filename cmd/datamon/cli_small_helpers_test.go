package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
	"testing"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp/fasthttputil"
)

// labelMeta is bundleMeta with a real ListLabels (for completion).
type labelMeta struct{ *bundleMeta }

func (m labelMeta) ListLabels(_ context.Context, c, r, prefix string) ([]model.Label, error) {
	m.bmu.Lock()
	defer m.bmu.Unlock()
	var out []model.Label
	for k, l := range m.labels {
		if strings.HasPrefix(k, c+"/"+r+"/") && strings.HasPrefix(l.Name, prefix) {
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// smallEnv is newBundleEnv that also hands out its chunk store (to damage
// chunks) and runs the CLI with a chosen home directory and raw arguments.
type smallEnv struct {
	*testEnv
	chunks *hashChunks
	home   string
	// dial, when set, replaces the in-memory listener (unreachable servers).
	dial func(string) (net.Conn, error)
}

func newSmallEnv(t *testing.T) *smallEnv {
	t.Helper()
	meta := labelMeta{&bundleMeta{repoMeta: &repoMeta{ctxs: map[string]model.Context{"default": {Name: "default"}}, repos: map[string]model.Repo{}, key: testKey},
		bundles: map[string][]model.Bundle{}, labels: map[string]model.Label{}}}
	chunks := &hashChunks{mapChunks{m: map[chunk.ID][]byte{}}}
	srv := api.New(api.DefaultConfig(), meta, chunks, oneNode{})
	ln := fasthttputil.NewInmemoryListener()
	hs := srv.HTTPServer()
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Shutdown(); _ = ln.Close() })
	path := writeFile(t, "client.yaml", "server: http://node1:7001\naccess_key: AKCLI\nsecret_key: cli-secret\nname: Jane\nemail: jane@x\n")
	return &smallEnv{testEnv: &testEnv{ln: ln, cfgPath: path, env: map[string]string{"DATAMON_CONFIG": path}}, chunks: chunks, home: t.TempDir()}
}

// exec runs the CLI with exactly args (the config comes from e.env, e.g.
// DATAMON_CONFIG); it returns stdout, stderr and the exit code.
func (e *smallEnv) exec(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	a := newApp(strings.NewReader(""), &out, &errOut, func(k string) string { return e.env[k] })
	a.home = func() (string, error) { return e.home, nil }
	a.stdinTerminal = func() bool { return false }
	a.dial = func(addr string) (net.Conn, error) {
		if e.dial != nil {
			return e.dial(addr)
		}
		return e.ln.Dial()
	}
	root := a.rootCmd()
	root.SetArgs(args)
	err := root.Execute()
	if err != nil {
		fmt.Fprintln(&errOut, "datamon:", err)
	}
	return out.String(), errOut.String(), exitCode(err)
}

// must runs args and fails the test unless the exit code is 0.
func (e *smallEnv) must(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, code := e.exec(t, args...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, errOut)
	}
	return out
}

// upload uploads files (path → content) to repo and returns the bundle ID.
func (e *smallEnv) upload(t *testing.T, repo, msg string, files map[string]string, extra ...string) string {
	t.Helper()
	out := e.must(t, append([]string{"bundle", "upload", "--repo", repo, "--path", mkTree(t, files), "--message", msg}, extra...)...)
	m := bundleIDLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("upload: %q", out)
	}
	return m[1]
}
