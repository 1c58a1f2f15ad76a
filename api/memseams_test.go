package api_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/datamon-io/datamon/model"
)

// memMeta is a small map-backed implementation of api.Meta following the
// model rules (raftmeta is the real one; it is built concurrently).
type memMeta struct {
	mu       sync.Mutex
	seq      int
	contexts map[string]model.Context
	repos    map[string]model.Repo
	bundles  map[string][]model.Bundle // ctx/repo -> by ID
	labels   map[string]model.Label    // ctx/repo/name
	history  map[string][]model.LabelMove
	keys     map[string]model.AccessKey
	removed  []string
	writes   int // successful mutations, to assert "no state change"
	// lagging are keys deleted on the leader that this node's applied
	// state still holds: GetAccessKey finds them on stale reads only.
	lagging map[string]model.AccessKey
	// staleReads counts GetRepo calls made on a Config.Stale context.
	staleReads int
	// down makes every call fail as if there were no leader.
	down bool
}

var errNoLeader = fmt.Errorf("memmeta: no leader")

func newMemMeta(keys ...model.AccessKey) *memMeta {
	m := &memMeta{
		contexts: map[string]model.Context{model.DefaultContext: {Name: model.DefaultContext}},
		repos:    map[string]model.Repo{}, bundles: map[string][]model.Bundle{},
		labels: map[string]model.Label{}, history: map[string][]model.LabelMove{},
		keys: map[string]model.AccessKey{},
	}
	for _, k := range keys {
		m.keys[k.ID] = k
	}
	return m
}

func (m *memMeta) lock() (func(), error) {
	m.mu.Lock()
	if m.down {
		m.mu.Unlock()
		return nil, errNoLeader
	}
	return m.mu.Unlock, nil
}

func (m *memMeta) CreateContext(_ context.Context, c model.Context) (model.Context, error) {
	unlock, err := m.lock()
	if err != nil {
		return c, err
	}
	defer unlock()
	if _, ok := m.contexts[c.Name]; ok {
		return c, fmt.Errorf("context %q: %w", c.Name, model.ErrExists)
	}
	c.Timestamp = time.Now().UTC()
	m.contexts[c.Name] = c
	m.writes++
	return c, nil
}

func (m *memMeta) GetContext(_ context.Context, name string) (model.Context, error) {
	unlock, err := m.lock()
	if err != nil {
		return model.Context{}, err
	}
	defer unlock()
	c, ok := m.contexts[name]
	if !ok {
		return c, fmt.Errorf("context %q: %w", name, model.ErrNotFound)
	}
	return c, nil
}

func (m *memMeta) ListContexts(context.Context) ([]model.Context, error) {
	unlock, err := m.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	var out []model.Context
	for _, c := range m.contexts {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (m *memMeta) CreateRepo(_ context.Context, r model.Repo) (model.Repo, error) {
	unlock, err := m.lock()
	if err != nil {
		return r, err
	}
	defer unlock()
	if err := model.ValidateRepo(r); err != nil {
		return r, err
	}
	if _, ok := m.contexts[r.Context]; !ok {
		return r, fmt.Errorf("context %q: %w", r.Context, model.ErrNotFound)
	}
	k := r.Context + "/" + r.Name
	if _, ok := m.repos[k]; ok {
		return r, fmt.Errorf("repo %q: %w", r.Name, model.ErrExists)
	}
	r.Timestamp = time.Now().UTC()
	m.repos[k] = r
	m.writes++
	return r, nil
}

func (m *memMeta) getRepo(c, name string) (model.Repo, error) {
	r, ok := m.repos[c+"/"+name]
	if !ok {
		return r, fmt.Errorf("repo %q: %w", name, model.ErrNotFound)
	}
	return r, nil
}

func (m *memMeta) GetRepo(ctx context.Context, c, name string) (model.Repo, error) {
	unlock, err := m.lock()
	if err != nil {
		return model.Repo{}, err
	}
	defer unlock()
	if ctx.Value(staleKey{}) != nil {
		m.staleReads++
	}
	return m.getRepo(c, name)
}

func (m *memMeta) ListRepos(_ context.Context, c string) ([]model.Repo, error) {
	unlock, err := m.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	if _, ok := m.contexts[c]; !ok {
		return nil, fmt.Errorf("context %q: %w", c, model.ErrNotFound)
	}
	var out []model.Repo
	for _, r := range m.repos {
		if r.Context == c {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (m *memMeta) DeleteRepo(_ context.Context, c, name string) error {
	unlock, err := m.lock()
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := m.getRepo(c, name); err != nil {
		return err
	}
	k := c + "/" + name
	delete(m.repos, k)
	delete(m.bundles, k)
	for lk := range m.labels {
		if strings.HasPrefix(lk, k+"/") {
			delete(m.labels, lk)
			delete(m.history, lk)
		}
	}
	m.writes++
	return nil
}
