package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp/fasthttputil"
)

// repoMeta is a tiny api.Meta: contexts, repos and keys are real, the rest
// answers NotFound (bundles and labels are exercised in package api's tests).
type repoMeta struct {
	mu    sync.Mutex
	ctxs  map[string]model.Context
	repos map[string]model.Repo
	key   model.AccessKey
}

func (m *repoMeta) CreateContext(_ context.Context, c model.Context) (model.Context, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.ctxs[c.Name]; ok {
		return c, model.ErrExists
	}
	m.ctxs[c.Name] = c
	return c, nil
}
func (m *repoMeta) GetContext(_ context.Context, n string) (model.Context, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.ctxs[n]; ok {
		return c, nil
	}
	return model.Context{}, model.ErrNotFound
}
func (m *repoMeta) ListContexts(context.Context) ([]model.Context, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []model.Context
	for _, c := range m.ctxs {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
func (m *repoMeta) CreateRepo(_ context.Context, r model.Repo) (model.Repo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.repos[r.Context+"/"+r.Name]; ok {
		return r, model.ErrExists
	}
	r.Timestamp = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	m.repos[r.Context+"/"+r.Name] = r
	return r, nil
}
func (m *repoMeta) GetRepo(_ context.Context, c, n string) (model.Repo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r, ok := m.repos[c+"/"+n]; ok {
		return r, nil
	}
	return model.Repo{}, fmt.Errorf("repo %q: %w", n, model.ErrNotFound)
}
func (m *repoMeta) ListRepos(_ context.Context, c string) ([]model.Repo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []model.Repo
	for _, r := range m.repos {
		if r.Context == c {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
func (m *repoMeta) DeleteRepo(_ context.Context, c, n string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.repos[c+"/"+n]; !ok {
		return model.ErrNotFound
	}
	delete(m.repos, c+"/"+n)
	return nil
}
func (m *repoMeta) CommitBundle(context.Context, model.Bundle, *model.LabelSet) (model.Bundle, error) {
	return model.Bundle{}, model.ErrNotFound
}
func (m *repoMeta) GetBundle(context.Context, string, string, string) (model.Bundle, error) {
	return model.Bundle{}, model.ErrNotFound
}
func (m *repoMeta) ListBundles(context.Context, string, string) ([]model.Bundle, error) {
	return nil, model.ErrNotFound
}
func (m *repoMeta) LatestBundle(context.Context, string, string) (model.Bundle, error) {
	return model.Bundle{}, model.ErrNotFound
}

// SetLabel fails every conditional move, to exercise exit code 3.
func (m *repoMeta) SetLabel(_ context.Context, s model.LabelSet) (model.Label, error) {
	if s.IfMatch != "" || s.IfNotExists {
		return model.Label{}, fmt.Errorf("%w: label %q exists", model.ErrPrecondition, s.Name)
	}
	// As raftmeta says it: no bundle of that ID in the repo.
	return model.Label{}, fmt.Errorf("%w: bundle %q in %s/%s", model.ErrNotFound, s.BundleID, s.Context, s.Repo)
}
func (m *repoMeta) GetLabel(context.Context, string, string, string) (model.Label, error) {
	return model.Label{}, model.ErrNotFound
}
func (m *repoMeta) ListLabels(context.Context, string, string, string) ([]model.Label, error) {
	return nil, nil
}
func (m *repoMeta) LabelHistory(context.Context, string, string, string) ([]model.LabelMove, error) {
	return nil, model.ErrNotFound
}
func (m *repoMeta) GetAccessKey(_ context.Context, id string) (model.AccessKey, error) {
	if id == m.key.ID {
		return m.key, nil
	}
	return model.AccessKey{}, model.ErrNotFound
}
func (m *repoMeta) RemoveNode(context.Context, string) error { return nil }

type mapChunks struct {
	mu sync.Mutex
	m  map[chunk.ID][]byte
}

func (c *mapChunks) Put(_ context.Context, b []byte) (chunk.ID, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := chunk.Sum(b)
	c.m[id] = append([]byte(nil), b...)
	return id, nil
}
func (c *mapChunks) Get(_ context.Context, id chunk.ID) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.m[id]; ok {
		return b, nil
	}
	return nil, model.ErrNotFound
}
func (c *mapChunks) Has(_ context.Context, ids []chunk.ID) ([]bool, error) {
	return make([]bool, len(ids)), nil
}

type oneNode struct{}

func (oneNode) Members() []api.MemberInfo {
	return []api.MemberInfo{{ID: "n1", Site: "s1", Addr: "127.0.0.1:7946", State: "alive", Capacity: 100, APIAddr: "127.0.0.1:7001"}}
}
func (oneNode) MetaStatus(context.Context) (api.MetaStatus, error) {
	return api.MetaStatus{NodeID: "n1", State: "Leader", LeaderID: "n1", Term: 2, Voters: []string{"n1"}}, nil
}
func (oneNode) Metrics() map[string]float64 { return nil }

// testEnv is a real api.Server on an in-memory listener plus a client.yaml.
type testEnv struct {
	ln      *fasthttputil.InmemoryListener
	cfgPath string
	env     map[string]string
}

var testKey = model.AccessKey{ID: "AKCLI", Secret: "cli-secret", Root: true, Contributor: model.Contributor{Name: "CLI"}}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	meta := &repoMeta{ctxs: map[string]model.Context{"default": {Name: "default"}}, repos: map[string]model.Repo{}, key: testKey}
	srv := api.New(api.DefaultConfig(), meta, &mapChunks{m: map[chunk.ID][]byte{}}, oneNode{})
	ln := fasthttputil.NewInmemoryListener()
	hs := srv.HTTPServer()
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Shutdown(); _ = ln.Close() })
	path := writeFile(t, "client.yaml", "server: http://node1:7001\naccess_key: AKCLI\nsecret_key: cli-secret\nname: Jane\nemail: jane@x\n")
	return &testEnv{ln: ln, cfgPath: path, env: map[string]string{}}
}

// run executes the CLI with args; it returns stdout, stderr and the exit code.
func (e *testEnv) run(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	a := newApp(strings.NewReader(stdin), &out, &errOut, func(k string) string { return e.env[k] })
	a.home = func() (string, error) { return t.TempDir(), nil }
	a.stdinTerminal = func() bool { return stdin != "" }
	a.dial = func(string) (net.Conn, error) { return e.ln.Dial() }
	root := a.rootCmd()
	root.SetArgs(append([]string{"--config", e.cfgPath}, args...))
	err := root.Execute()
	if err != nil {
		fmt.Fprintln(&errOut, "datamon:", err)
	}
	return out.String(), errOut.String(), exitCode(err)
}
