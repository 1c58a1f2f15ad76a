package raftmetatest

import (
	"context"
	"sync"

	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
)

// RacingMeta is a real *raftmeta.Meta whose access key lookup, for one
// victim key, runs a revocation (made through another node, and
// acknowledged) after the caller read the key and before it proposes its
// write: the race of the jepsen keys workload, where a node that had not
// applied an acknowledged delete yet authorised a write. The revocation
// runs once per Race; other lookups pass through.
type RacingMeta struct {
	*raftmeta.Meta
	mu     sync.Mutex
	victim string
	revoke func(ctx context.Context) error
}

// GetAccessKey returns the key as Meta does and, for the victim, runs the
// pending revocation before returning (its error, if any, instead).
func (m *RacingMeta) GetAccessKey(ctx context.Context, id string) (model.AccessKey, error) {
	k, err := m.Meta.GetAccessKey(ctx, id)
	m.mu.Lock()
	defer m.mu.Unlock()
	if err == nil && id == m.victim && m.revoke != nil {
		revoke := m.revoke
		m.revoke = nil
		if rerr := revoke(context.Background()); rerr != nil {
			return k, rerr
		}
	}
	return k, err
}

// Race arms revoke for the next lookup of key victim.
func (m *RacingMeta) Race(victim string, revoke func(ctx context.Context) error) {
	m.mu.Lock()
	m.victim, m.revoke = victim, revoke
	m.mu.Unlock()
}
