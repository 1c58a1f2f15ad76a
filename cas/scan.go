package cas

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/erasure"
	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/shard"
)

// scan is Get's last resort: ask every alive node of every layout for every
// shard index (up to the largest K+M of the layouts), fetch what they hold
// and reconstruct from any K mutually consistent shards. Shards it finds are
// not moved; the repair scan rebalances them.
func (s *Service) scan(ctx context.Context, id chunk.ID, ls []layout.Layout) ([]byte, readOutcome, error) {
	var nodes []layout.NodeID
	seen := map[layout.NodeID]bool{}
	maxTotal := 0
	for _, l := range ls {
		maxTotal = max(maxTotal, l.Policy.Total())
		for _, n := range l.Nodes {
			if !seen[n.ID] && s.topo.Alive(n.ID) {
				seen[n.ID] = true
				nodes = append(nodes, n.ID)
			}
		}
	}
	keys := make([]shard.Key, maxTotal)
	for i := range keys {
		keys[i] = shard.Key{Chunk: id, Index: uint8(i)}
	}
	// Per encoding (k, m, length): the valid shards found, by index.
	type encoding struct {
		k, m uint8
		n    uint32
	}
	var mu sync.Mutex
	found := map[encoding][]got{}
	corrupt, answered := 0, 0
	s.forEach(ctx, len(nodes), func(ctx context.Context, ni int) {
		n := nodes[ni]
		present, err := s.io.HasShards(ctx, n, keys)
		if err != nil || len(present) != len(keys) {
			return
		}
		mu.Lock()
		answered++
		mu.Unlock()
		for i, ok := range present {
			if !ok {
				continue
			}
			b, err := s.io.GetShard(ctx, n, keys[i])
			var g got
			if err == nil {
				g, err = checkShard(b, id, i, layout.Policy{})
			}
			if errors.Is(err, shard.ErrNotFound) {
				continue
			}
			mu.Lock()
			if err != nil {
				if errors.Is(err, shard.ErrCorrupt) || errors.Is(err, erasure.ErrCorrupt) ||
					errors.Is(err, erasure.ErrBadHeader) || errors.Is(err, erasure.ErrTruncated) {
					corrupt++
					s.markCorrupt(id, i, n, err)
				}
				mu.Unlock()
				continue
			}
			e := encoding{g.h.K, g.h.M, g.h.ChunkLen}
			if found[e] == nil {
				found[e] = make([]got, g.h.Total())
			}
			found[e][i] = g
			mu.Unlock()
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, readOutcome{}, err
	}
	best := 0
	sawCorrupt := false
	for e, shards := range found {
		valid := 0
		for _, g := range shards {
			if g.raw != nil {
				valid++
			}
		}
		best = max(best, valid)
		if valid < int(e.k) {
			continue
		}
		p := layout.Policy{K: int(e.k), M: int(e.m)}
		data, err := s.assemble(shards, p)
		if err != nil || chunk.Sum(data) != id {
			if data, err = s.searchCombos(id, shards, p); err != nil {
				sawCorrupt = true
				continue
			}
		}
		return data, readOutcome{valid: valid, corrupt: corrupt, answered: answered}, nil
	}
	out := readOutcome{valid: best, corrupt: corrupt, answered: answered}
	if sawCorrupt {
		return nil, out, fmt.Errorf("cas: get %s: scan: %w", id, ErrCorrupt)
	}
	return nil, out, fmt.Errorf("cas: get %s: scan of %d nodes: %d shards: %w", id, len(nodes), best, ErrInsufficientShards)
}
