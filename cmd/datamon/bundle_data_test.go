package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp/fasthttputil"
)

// bundleMeta adds real bundles and labels to repoMeta.
type bundleMeta struct {
	*repoMeta
	bmu     sync.Mutex
	bundles map[string][]model.Bundle // context/repo → in commit order
	labels  map[string]model.Label    // context/repo/name
}

func (m *bundleMeta) CommitBundle(ctx context.Context, b model.Bundle, ls *model.LabelSet) (model.Bundle, error) {
	if _, err := m.GetRepo(ctx, b.Context, b.Repo); err != nil {
		return b, err
	}
	m.bmu.Lock()
	defer m.bmu.Unlock()
	k := b.Context + "/" + b.Repo
	n := len(m.bundles[k]) + 1
	b.ID = fmt.Sprintf("B%026d", n)
	b.Timestamp = time.Date(2026, 1, 2, 3, 4, n, 0, time.UTC)
	m.bundles[k] = append(m.bundles[k], b)
	if ls != nil {
		m.labels[k+"/"+ls.Name] = model.Label{Context: b.Context, Repo: b.Repo, Name: ls.Name, BundleID: b.ID, Timestamp: b.Timestamp}
	}
	return b, nil
}

func (m *bundleMeta) GetBundle(_ context.Context, c, r, id string) (model.Bundle, error) {
	m.bmu.Lock()
	defer m.bmu.Unlock()
	for _, b := range m.bundles[c+"/"+r] {
		if b.ID == id {
			return b, nil
		}
	}
	return model.Bundle{}, model.ErrNotFound
}

func (m *bundleMeta) ListBundles(ctx context.Context, c, r string) ([]model.Bundle, error) {
	if _, err := m.GetRepo(ctx, c, r); err != nil {
		return nil, err
	}
	m.bmu.Lock()
	defer m.bmu.Unlock()
	return append([]model.Bundle(nil), m.bundles[c+"/"+r]...), nil
}

func (m *bundleMeta) LatestBundle(_ context.Context, c, r string) (model.Bundle, error) {
	m.bmu.Lock()
	defer m.bmu.Unlock()
	bs := m.bundles[c+"/"+r]
	if len(bs) == 0 {
		return model.Bundle{}, model.ErrNotFound
	}
	return bs[len(bs)-1], nil
}

func (m *bundleMeta) GetLabel(_ context.Context, c, r, n string) (model.Label, error) {
	m.bmu.Lock()
	defer m.bmu.Unlock()
	if l, ok := m.labels[c+"/"+r+"/"+n]; ok {
		return l, nil
	}
	return model.Label{}, model.ErrNotFound
}

// hashChunks is mapChunks with a real Has.
type hashChunks struct{ mapChunks }

func (c *hashChunks) Has(_ context.Context, ids []chunk.ID) ([]bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]bool, len(ids))
	for i, id := range ids {
		_, out[i] = c.m[id]
	}
	return out, nil
}

func newBundleEnv(t *testing.T) *testEnv {
	t.Helper()
	meta := &bundleMeta{repoMeta: &repoMeta{ctxs: map[string]model.Context{"default": {Name: "default"}}, repos: map[string]model.Repo{}, key: testKey},
		bundles: map[string][]model.Bundle{}, labels: map[string]model.Label{}}
	srv := api.New(api.DefaultConfig(), meta, &hashChunks{mapChunks{m: map[chunk.ID][]byte{}}}, oneNode{})
	ln := fasthttputil.NewInmemoryListener()
	hs := srv.HTTPServer()
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Shutdown(); _ = ln.Close() })
	path := writeFile(t, "client.yaml", "server: http://node1:7001\naccess_key: AKCLI\nsecret_key: cli-secret\nname: Jane\nemail: jane@x\n")
	return &testEnv{ln: ln, cfgPath: path, env: map[string]string{}}
}

// runB is testEnv.run with the bundle data commands (added here until the
// root wires them).
func (e *testEnv) runB(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	a := newApp(strings.NewReader(""), &out, &errOut, func(k string) string { return e.env[k] })
	a.home = func() (string, error) { return t.TempDir(), nil }
	a.stdinTerminal = func() bool { return false }
	a.dial = func(string) (net.Conn, error) { return e.ln.Dial() }
	root := a.rootCmd()
	for _, c := range root.Commands() {
		if c.Name() == "bundle" {
			if sub, _, err := c.Find([]string{"upload"}); err != nil || sub == c {
				a.addBundleDataCmds(c)
			}
		}
	}
	root.SetArgs(append([]string{"--config", e.cfgPath}, args...))
	err := root.Execute()
	if err != nil {
		fmt.Fprintln(&errOut, "datamon:", err)
	}
	return out.String(), errOut.String(), exitCode(err)
}

func mkTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, content := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if strings.HasSuffix(p, "/") { // empty directory
			if err := os.MkdirAll(full, 0o750); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

var bundleIDLine = regexp.MustCompile(`^Uploaded bundle id:(B\d{26})\n`)
