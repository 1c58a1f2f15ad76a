package cas

import (
	"fmt"
	"sync"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/shard"
)

// maxPlacers bounds the placer cache; layouts are few (current plus the
// versions not yet retired), so overflowing it just means a rebuild.
const maxPlacers = 16

// placers caches one prepared shard.Placer per layout version. An entry is
// used only when its layout equals the one asked (versions are assigned by
// the Raft group, but a provisional gossip layout may reuse a number).
type placers struct {
	mu sync.Mutex
	m  map[uint64]placerEntry
}

type placerEntry struct {
	l layout.Layout
	p *shard.Placer
}

// place returns the owners of every shard of id under l.
func (s *Service) place(id chunk.ID, l layout.Layout) ([]layout.NodeID, error) {
	p, err := s.placer(l)
	if err != nil {
		return nil, err
	}
	return p.Place(id), nil
}

func (s *Service) placer(l layout.Layout) (*shard.Placer, error) {
	c := &s.placers
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[l.Version]; ok && e.l.Equal(l) {
		return e.p, nil
	}
	p, err := shard.NewPlacer(l)
	if err != nil {
		return nil, fmt.Errorf("cas: placement for layout %d: %w", l.Version, err)
	}
	if c.m == nil || len(c.m) >= maxPlacers {
		c.m = map[uint64]placerEntry{}
	}
	c.m[l.Version] = placerEntry{l: l, p: p}
	return p, nil
}
