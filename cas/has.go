package cas

import (
	"context"
	"fmt"
	"sync"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/shard"
)

// Has reports for each ID whether at least K of its shards exist under some
// layout (K of that layout's policy). It makes at most one HasShards call per
// alive node, Config.HasParallelism at a time. A node that fails to answer
// counts as holding nothing (a false "missing" only costs a re-upload); when
// no node answers, Has returns ErrUnavailable.
func (s *Service) Has(ctx context.Context, ids []chunk.ID) ([]bool, error) {
	if s.closed() {
		return nil, ErrClosed
	}
	out := make([]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	ls, err := s.layouts()
	if err != nil {
		return nil, fmt.Errorf("cas: has: %w", err)
	}
	// where[node] lists the keys to ask that node; slot says which
	// (id, layout) counter each key feeds.
	type slot struct{ id, layout int }
	type ask struct {
		keys  []shard.Key
		slots [][]slot
		seen  map[shard.Key]int
	}
	asks := map[layout.NodeID]*ask{}
	var nodes []layout.NodeID
	for li, l := range ls {
		for ii, id := range ids {
			owners, err := s.place(id, l)
			if err != nil {
				return nil, fmt.Errorf("cas: has: place %s on layout %d: %w", id, l.Version, err)
			}
			for i, n := range owners {
				if !s.topo.Alive(n) {
					continue
				}
				a := asks[n]
				if a == nil {
					a = &ask{seen: map[shard.Key]int{}}
					asks[n] = a
					nodes = append(nodes, n)
				}
				k := shard.Key{Chunk: id, Index: uint8(i)}
				j, ok := a.seen[k]
				if !ok {
					j = len(a.keys)
					a.seen[k] = j
					a.keys = append(a.keys, k)
					a.slots = append(a.slots, nil)
				}
				a.slots[j] = append(a.slots[j], slot{ii, li})
			}
		}
	}
	counts := make([][]int, len(ids))
	for i := range counts {
		counts[i] = make([]int, len(ls))
	}
	var mu sync.Mutex
	answered := 0
	var lastErr error
	s.forEach(ctx, len(nodes), func(ctx context.Context, ni int) {
		n := nodes[ni]
		a := asks[n]
		present, err := s.io.HasShards(ctx, n, a.keys)
		if err == nil && len(present) != len(a.keys) {
			err = fmt.Errorf("%d answers for %d keys", len(present), len(a.keys))
		}
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			lastErr = fmt.Errorf("node %s: %w", n, err)
			s.log.Debug("cas: has: node did not answer", "node", n, "err", err)
			return
		}
		answered++
		for j, ok := range present {
			if ok {
				for _, sl := range a.slots[j] {
					counts[sl.id][sl.layout]++
				}
			}
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("cas: has: %w", err)
	}
	if answered == 0 && len(nodes) > 0 {
		return nil, fmt.Errorf("cas: has: %d nodes asked, last error: %v: %w", len(nodes), lastErr, ErrUnavailable)
	}
	if len(nodes) == 0 {
		return nil, fmt.Errorf("cas: has: no alive owner: %w", ErrUnavailable)
	}
	for ii := range ids {
		for li, l := range ls {
			if counts[ii][li] >= l.Policy.K {
				out[ii] = true
				break
			}
		}
	}
	return out, nil
}

// forEach runs fn(ctx, i) for i in [0, n), Config.HasParallelism at a time,
// and waits for all of them. It stops starting new calls once ctx is done.
func (s *Service) forEach(ctx context.Context, n int, fn func(ctx context.Context, i int)) {
	sem := make(chan struct{}, s.cfg.HasParallelism)
	var wg sync.WaitGroup
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			fn(ctx, i)
		}()
	}
	wg.Wait()
}
