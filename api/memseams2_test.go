package api_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
)

func (m *memMeta) CommitBundle(_ context.Context, b model.Bundle, label *model.LabelSet) (model.Bundle, error) {
	unlock, err := m.lock()
	if err != nil {
		return b, err
	}
	defer unlock()
	if _, err := m.getRepo(b.Context, b.Repo); err != nil {
		return b, err
	}
	m.seq++
	b.ID = fmt.Sprintf("%027d", m.seq)
	b.Timestamp = time.Now().UTC()
	k := b.Context + "/" + b.Repo
	m.bundles[k] = append(m.bundles[k], b)
	if label != nil {
		ls := *label
		ls.BundleID = b.ID
		m.setLabel(ls, b.Timestamp)
	}
	m.writes++
	return b, nil
}

func (m *memMeta) findBundle(c, repo, id string) (model.Bundle, error) {
	for _, b := range m.bundles[c+"/"+repo] {
		if b.ID == id {
			return b, nil
		}
	}
	return model.Bundle{}, fmt.Errorf("bundle %q: %w", id, model.ErrNotFound)
}

func (m *memMeta) GetBundle(_ context.Context, c, repo, id string) (model.Bundle, error) {
	unlock, err := m.lock()
	if err != nil {
		return model.Bundle{}, err
	}
	defer unlock()
	if _, err := m.getRepo(c, repo); err != nil {
		return model.Bundle{}, err
	}
	return m.findBundle(c, repo, id)
}

func (m *memMeta) ListBundles(_ context.Context, c, repo string) ([]model.Bundle, error) {
	unlock, err := m.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	if _, err := m.getRepo(c, repo); err != nil {
		return nil, err
	}
	return append([]model.Bundle(nil), m.bundles[c+"/"+repo]...), nil
}

func (m *memMeta) LatestBundle(_ context.Context, c, repo string) (model.Bundle, error) {
	unlock, err := m.lock()
	if err != nil {
		return model.Bundle{}, err
	}
	defer unlock()
	if _, err := m.getRepo(c, repo); err != nil {
		return model.Bundle{}, err
	}
	bs := m.bundles[c+"/"+repo]
	if len(bs) == 0 {
		return model.Bundle{}, fmt.Errorf("repo %q has no bundles: %w", repo, model.ErrNotFound)
	}
	return bs[len(bs)-1], nil
}

func (m *memMeta) setLabel(s model.LabelSet, now time.Time) model.Label {
	k := s.Context + "/" + s.Repo + "/" + s.Name
	old := m.labels[k]
	l := model.Label{Context: s.Context, Repo: s.Repo, Name: s.Name, BundleID: s.BundleID, Timestamp: now, Contributor: s.Contributor}
	m.labels[k] = l
	m.history[k] = append(m.history[k], model.LabelMove{Name: s.Name, From: old.BundleID, To: s.BundleID, Timestamp: now, Contributor: s.Contributor})
	return l
}

func (m *memMeta) SetLabel(_ context.Context, s model.LabelSet) (model.Label, error) {
	unlock, err := m.lock()
	if err != nil {
		return model.Label{}, err
	}
	defer unlock()
	if err := model.ValidateLabelSet(s); err != nil {
		return model.Label{}, err
	}
	if _, err := m.getRepo(s.Context, s.Repo); err != nil {
		return model.Label{}, err
	}
	if _, err := m.findBundle(s.Context, s.Repo, s.BundleID); err != nil {
		return model.Label{}, err
	}
	cur, exists := m.labels[s.Context+"/"+s.Repo+"/"+s.Name]
	if s.IfNotExists && exists {
		return model.Label{}, fmt.Errorf("label %q exists: %w", s.Name, model.ErrPrecondition)
	}
	if s.IfMatch != "" && cur.BundleID != s.IfMatch {
		return model.Label{}, fmt.Errorf("label %q points at %q: %w", s.Name, cur.BundleID, model.ErrPrecondition)
	}
	m.writes++
	return m.setLabel(s, time.Now().UTC()), nil
}

func (m *memMeta) GetLabel(_ context.Context, c, repo, name string) (model.Label, error) {
	unlock, err := m.lock()
	if err != nil {
		return model.Label{}, err
	}
	defer unlock()
	l, ok := m.labels[c+"/"+repo+"/"+name]
	if !ok {
		return l, fmt.Errorf("label %q: %w", name, model.ErrNotFound)
	}
	return l, nil
}

func (m *memMeta) ListLabels(_ context.Context, c, repo, prefix string) ([]model.Label, error) {
	unlock, err := m.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	if _, err := m.getRepo(c, repo); err != nil {
		return nil, err
	}
	var out []model.Label
	for _, l := range m.labels {
		if l.Context == c && l.Repo == repo && strings.HasPrefix(l.Name, prefix) {
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (m *memMeta) LabelHistory(_ context.Context, c, repo, name string) ([]model.LabelMove, error) {
	unlock, err := m.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	h, ok := m.history[c+"/"+repo+"/"+name]
	if !ok {
		return nil, fmt.Errorf("label %q: %w", name, model.ErrNotFound)
	}
	return append([]model.LabelMove(nil), h...), nil
}

func (m *memMeta) GetAccessKey(ctx context.Context, id string) (model.AccessKey, error) {
	unlock, err := m.lock()
	if err != nil {
		return model.AccessKey{}, err
	}
	defer unlock()
	k, ok := m.keys[id]
	if !ok && ctx.Value(staleKey{}) != nil {
		k, ok = m.lagging[id]
	}
	if !ok {
		return k, fmt.Errorf("access key %q: %w", id, model.ErrNotFound)
	}
	return k, nil
}

func (m *memMeta) RemoveNode(_ context.Context, id string) error {
	unlock, err := m.lock()
	if err != nil {
		return err
	}
	defer unlock()
	m.removed = append(m.removed, id)
	m.writes++
	return nil
}

func (m *memMeta) setDown(v bool) { m.mu.Lock(); m.down = v; m.mu.Unlock() }

func (m *memMeta) writeCount() int { m.mu.Lock(); defer m.mu.Unlock(); return m.writes }

// memChunks stores chunks in a map; corrupt, when set, flips a byte on Get.
type memChunks struct {
	mu      sync.Mutex
	data    map[chunk.ID][]byte
	corrupt bool
}

func newMemChunks() *memChunks { return &memChunks{data: map[chunk.ID][]byte{}} }

func (c *memChunks) Put(_ context.Context, b []byte) (chunk.ID, error) {
	id := chunk.Sum(b)
	c.mu.Lock()
	c.data[id] = append([]byte(nil), b...)
	c.mu.Unlock()
	return id, nil
}

func (c *memChunks) Get(_ context.Context, id chunk.ID) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.data[id]
	if !ok {
		return nil, fmt.Errorf("chunk %s: %w", id, model.ErrNotFound)
	}
	out := append([]byte(nil), b...)
	if c.corrupt {
		out[0] ^= 0xff
	}
	return out, nil
}

func (c *memChunks) Has(_ context.Context, ids []chunk.ID) ([]bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]bool, len(ids))
	for i, id := range ids {
		_, out[i] = c.data[id]
	}
	return out, nil
}

func (c *memChunks) count() int { c.mu.Lock(); defer c.mu.Unlock(); return len(c.data) }

// staticCluster reports fixed members and status.
type staticCluster struct{ id string }

func (s staticCluster) Members() []api.MemberInfo {
	return []api.MemberInfo{
		{ID: "n2", Site: "b", Addr: "10.0.0.2:7946", State: "alive", Capacity: 2 << 30},
		{ID: s.id, Site: "a", Addr: "10.0.0.1:7946", State: "alive", Capacity: 1 << 30},
	}
}

func (s staticCluster) MetaStatus(context.Context) (api.MetaStatus, error) {
	return api.MetaStatus{NodeID: s.id, State: "Leader", LeaderID: s.id, Term: 3, CommitIndex: 10, AppliedIndex: 10, Voters: []string{s.id, "n2"}, LayoutVersion: 2}, nil
}

func (s staticCluster) Metrics() map[string]float64 {
	return map[string]float64{"datamon_cas_puts_total": 7, "bad name!": 1}
}

func (c *memChunks) setCorrupt() { c.mu.Lock(); c.corrupt = true; c.mu.Unlock() }
