package cas

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/shard"
)

// fetchResult is the answer to one GetShard.
type fetchResult struct {
	index int
	b     []byte
	err   error
}

// layoutRead is the state of one Get against one layout.
type layoutRead struct {
	s       *Service
	ctx     context.Context
	id      chunk.ID
	p       layout.Policy
	owners  []layout.NodeID
	results chan fetchResult
	queue   []int // shard indexes not yet asked, best first
	out     int   // requests outstanding
	shards  []got // valid shards in hand, by index
	valid   int
	corrupt []int // indexes rejected as corrupt
	missing []int // indexes an alive owner reported not found
	failed  int   // requests that failed otherwise (unreachable, timeout)
	first   *got  // first valid shard: the encoding the others must agree with
}

// candidates orders the shard indexes of one layout: data shards on alive
// owners, then parity on alive owners (local site first), then anything on
// owners the topology reports dead.
func (s *Service) candidates(p layout.Policy, owners []layout.NodeID) []int {
	local := s.topo.LocalSite()
	rank := func(i int) int {
		r := 0
		if !s.topo.Alive(owners[i]) {
			r += 4
		}
		if i >= p.K {
			r += 2
		}
		if s.topo.Site(owners[i]) != local {
			r++
		}
		return r
	}
	idx := make([]int, len(owners))
	ranks := make([]int, len(owners))
	for i := range idx {
		idx[i], ranks[i] = i, rank(i)
	}
	sort.SliceStable(idx, func(a, b int) bool { return ranks[idx[a]] < ranks[idx[b]] })
	return idx
}

// getLayout reads the chunk from the owners one layout names.
func (s *Service) getLayout(ctx context.Context, id chunk.ID, l layout.Layout, owners []layout.NodeID) ([]byte, readOutcome, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // abandons outstanding requests
	p := l.Policy
	r := &layoutRead{
		s: s, ctx: ctx, id: id, p: p, owners: owners,
		results: make(chan fetchResult, len(owners)),
		queue:   s.candidates(p, owners),
		shards:  make([]got, len(owners)),
	}
	for range p.K {
		r.launchNext()
	}
	hedge := time.NewTimer(s.cfg.HedgeDelay)
	defer hedge.Stop()
	for r.valid < p.K && (r.out > 0 || len(r.queue) > 0) {
		select {
		case res := <-r.results:
			r.accept(res)
			for r.valid+r.out < p.K && len(r.queue) > 0 {
				r.launchNext()
			}
		case <-hedge.C:
			if r.out > 0 && len(r.queue) > 0 {
				s.stats.hedged.Add(1)
				for n := r.out; n > 0 && len(r.queue) > 0; n-- {
					r.launchNext()
				}
			}
		case <-ctx.Done():
			return nil, r.outcome(), ctx.Err()
		}
	}
	if r.valid < p.K {
		return nil, r.outcome(), fmt.Errorf("cas: get %s layout %d: %d of %d shards: %w",
			id, l.Version, r.valid, p.K, ErrInsufficientShards)
	}
	data, err := s.assemble(r.shards, p)
	if err != nil || chunk.Sum(data) != id {
		// Valid-looking shards disagree with the ID: fetch the rest and search.
		r.drainAll()
		data, err = s.searchCombos(id, r.shards, p)
		if err != nil {
			return nil, r.outcome(), err
		}
		r.findLiars(data)
	}
	r.repair(data)
	return data, r.outcome(), nil
}

func (r *layoutRead) outcome() readOutcome {
	return readOutcome{valid: r.valid, corrupt: len(r.corrupt), unreachable: r.failed}
}

// launchNext asks the next candidate shard.
func (r *layoutRead) launchNext() {
	i := r.queue[0]
	r.queue = r.queue[1:]
	r.out++
	node, key := r.owners[i], shard.Key{Chunk: r.id, Index: uint8(i)}
	go func() {
		b, err := r.s.io.GetShard(r.ctx, node, key)
		r.results <- fetchResult{index: i, b: b, err: err}
	}()
}

// accept files one answer as valid, corrupt, missing or failed.
func (r *layoutRead) accept(res fetchResult) {
	r.out--
	i, node := res.index, r.owners[res.index]
	switch {
	case errors.Is(res.err, shard.ErrNotFound):
		if r.s.topo.Alive(node) {
			r.missing = append(r.missing, i)
		}
		return
	case errors.Is(res.err, shard.ErrCorrupt):
		r.corrupt = append(r.corrupt, i)
		r.s.markCorrupt(r.id, i, node, res.err)
		return
	case res.err != nil:
		r.failed++
		r.s.log.Debug("cas: shard read failed", "chunk", r.id, "index", i, "node", node, "err", res.err)
		return
	}
	g, err := checkShard(res.b, r.id, i, r.p)
	if err == nil && r.first != nil && g.h.ChunkLen != r.first.h.ChunkLen {
		err = fmt.Errorf("chunk length %d, other shards say %d", g.h.ChunkLen, r.first.h.ChunkLen)
	}
	if errors.Is(err, errForeign) {
		r.s.log.Debug("cas: shard of another encoding", "chunk", r.id, "index", i, "node", node, "err", err)
		return
	}
	if err != nil {
		r.corrupt = append(r.corrupt, i)
		r.s.markCorrupt(r.id, i, node, err)
		return
	}
	r.shards[i] = g
	r.valid++
	if r.first == nil {
		r.first = &r.shards[i]
	}
}

// drainAll asks every shard not yet asked and waits for all answers.
func (r *layoutRead) drainAll() {
	for len(r.queue) > 0 {
		r.launchNext()
	}
	for r.out > 0 {
		select {
		case res := <-r.results:
			r.accept(res)
		case <-r.ctx.Done():
			return
		}
	}
}

// findLiars marks shards that passed their checksum but differ from the
// verified chunk's encoding.
func (r *layoutRead) findLiars(data []byte) {
	enc, err := r.s.encode(r.id, data, r.p)
	if err != nil {
		return
	}
	for i := range r.shards {
		if r.shards[i].raw != nil && !bytes.Equal(r.shards[i].raw, enc[i]) {
			r.corrupt = append(r.corrupt, i)
			r.s.markCorrupt(r.id, i, r.owners[i], errors.New("content disagrees with the chunk id"))
			r.shards[i] = got{}
		}
	}
}

// repair queues rewrites of the corrupt shards and, with
// unless Config.NoReadRepairMissing, of shards alive owners reported missing.
func (r *layoutRead) repair(data []byte) {
	idx := r.corrupt
	if !r.s.cfg.NoReadRepairMissing {
		idx = append(idx, r.missing...)
	}
	if len(idx) == 0 {
		return
	}
	enc, err := r.s.encode(r.id, data, r.p)
	if err != nil {
		r.s.log.Warn("cas: re-encode for repair failed", "chunk", r.id, "err", err)
		return
	}
	for _, i := range idx {
		r.s.enqueueRepair(r.owners[i], shard.Key{Chunk: r.id, Index: uint8(i)}, bytes.Clone(enc[i]))
	}
}

// encode encodes data with the cached codec of p.
func (s *Service) encode(id chunk.ID, data []byte, p layout.Policy) ([][]byte, error) {
	codec, err := s.codec(p)
	if err != nil {
		return nil, err
	}
	return codec.Encode(id, data)
}
