package memback

import (
	"context"
	"maps"

	"github.com/datamon-io/datamon/gateway"
)

// GetBucketTags implements gateway.Backend.
func (m *Backend) GetBucketTags(ctx context.Context, id gateway.Identity, name string) (map[string]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, err := m.get(id, name, false)
	if err != nil {
		return nil, err
	}
	return maps.Clone(b.tags), nil
}

// PutBucketTags implements gateway.Backend.
func (m *Backend) PutBucketTags(ctx context.Context, id gateway.Identity, name string, tags map[string]string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, err := m.get(id, name, true)
	if err != nil {
		return err
	}
	b.tags = nil
	if len(tags) > 0 {
		b.tags = maps.Clone(tags)
	}
	return nil
}
