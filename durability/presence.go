package durability

import (
	"context"
	"sync"

	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/shard"
)

// presenceQuery batches HasShards questions per node.
type presenceQuery struct {
	keys  map[layout.NodeID][]shard.Key
	refs  map[layout.NodeID][][2]int // caller's (chunk, index) per key
	order []layout.NodeID
}

func newPresenceQuery() *presenceQuery {
	return &presenceQuery{keys: map[layout.NodeID][]shard.Key{}, refs: map[layout.NodeID][][2]int{}}
}

func (q *presenceQuery) add(n layout.NodeID, k shard.Key, a, b int) {
	if _, ok := q.keys[n]; !ok {
		q.order = append(q.order, n)
	}
	q.keys[n] = append(q.keys[n], k)
	q.refs[n] = append(q.refs[n], [2]int{a, b})
}

// runPresence asks every node its keys (bounded parallelism) and reports each
// answer; unreachable nodes (dead in gossip or failing) give unknown.
func (s *Service) runPresence(ctx context.Context, q *presenceQuery, set func(a, b int, p presence)) {
	var mu sync.Mutex
	sem := make(chan struct{}, s.cfg.Parallelism)
	var wg sync.WaitGroup
	for _, n := range q.order {
		keys, refs := q.keys[n], q.refs[n]
		report := func(has []bool) {
			mu.Lock()
			defer mu.Unlock()
			for j, r := range refs {
				p := unknown
				if has != nil {
					p = absent
					if has[j] {
						p = present
					}
				}
				set(r[0], r[1], p)
			}
		}
		if n != s.self && !s.topo.Alive(n) {
			report(nil)
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			cctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
			defer cancel()
			has, err := s.io.HasShards(cctx, n, keys)
			if err != nil || len(has) != len(keys) {
				has = nil
			}
			report(has)
		}()
	}
	wg.Wait()
}
