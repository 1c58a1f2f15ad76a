package cas

import (
	"context"
	"errors"
	"fmt"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/shard"
)

// BatchShardIO is implemented by a ShardIO that can write many shards to one
// node in one call (the node: one signed RPC, one group commit). PutShards
// returning nil means every shard is durable; any error means none may be
// counted as stored.
type BatchShardIO interface {
	PutShards(ctx context.Context, n layout.NodeID, keys []shard.Key, shards [][]byte) error
}

// MaxBatchChunks bounds the chunks of one PutBatch.
const MaxBatchChunks = 4096

// nodeBatch is the shards of a batch that one node owns.
type nodeBatch struct {
	node   layout.NodeID
	keys   []shard.Key
	shards [][]byte
	chunks []int // index into the batch's unique chunks, per shard
}

type nodeResult struct {
	b   *nodeBatch
	err error
}

// PutBatch stores every element of data as a chunk and returns their IDs in
// order. It gives each chunk exactly Put's guarantee — it returns nil only
// once every chunk has K+1 (K when M = 0) durable shards — but sends each
// node all of its shards of the batch in one call. On error no chunk of the
// batch may be considered stored (some may be; Put is idempotent, so the
// caller retries the batch). Without a BatchShardIO it is Put per chunk.
func (s *Service) PutBatch(ctx context.Context, data [][]byte) ([]chunk.ID, error) {
	if s.closed() {
		return nil, ErrClosed
	}
	if len(data) > MaxBatchChunks {
		return nil, fmt.Errorf("%w: %d chunks in a batch, at most %d", ErrTooLarge, len(data), MaxBatchChunks)
	}
	for i, d := range data {
		if len(d) > s.cfg.MaxChunkSize {
			return nil, fmt.Errorf("%w: batch chunk %d: %d bytes > %d", ErrTooLarge, i, len(d), s.cfg.MaxChunkSize)
		}
	}
	ids := make([]chunk.ID, len(data))
	for i, d := range data {
		ids[i] = chunk.Sum(d)
	}
	bio, ok := s.io.(BatchShardIO)
	if !ok {
		for i, d := range data {
			if err := s.put(ctx, ids[i], d); err != nil {
				return nil, err
			}
		}
		return ids, nil
	}
	if err := s.putBatch(ctx, bio, ids, data); err != nil {
		return nil, err
	}
	return ids, nil
}

func (s *Service) putBatch(ctx context.Context, bio BatchShardIO, ids []chunk.ID, data [][]byte) error {
	ls, err := s.layouts()
	if err != nil {
		return fmt.Errorf("cas: put batch: %w", err)
	}
	l := ls[0]
	p := l.Policy
	codec, err := s.codec(p)
	if err != nil {
		return err
	}
	total, need := p.Total(), p.K+1
	if p.M == 0 {
		need = p.K
	}
	// Unique chunks of the batch, their owners and shards.
	type item struct {
		id     chunk.ID
		size   int
		owners []layout.NodeID
		shards [][]byte
		acks   int
		fails  int
		failed []int // shard indexes that did not reach their owner
	}
	seen := make(map[chunk.ID]bool, len(ids))
	var items []*item
	byNode := map[layout.NodeID]*nodeBatch{}
	var order []*nodeBatch
	for i, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		owners, err := s.place(id, l)
		if err != nil {
			return fmt.Errorf("cas: put %s: place: %w", id, err)
		}
		if err := s.checkOwnersAlive(p, owners, need); err != nil {
			return err // fail fast: nothing sent yet
		}
		shards, err := codec.Encode(id, data[i])
		if err != nil {
			return fmt.Errorf("cas: put %s: encode: %w", id, err)
		}
		it := &item{id: id, size: len(data[i]), owners: owners, shards: shards}
		ci := len(items)
		items = append(items, it)
		for si, owner := range owners {
			if !s.topo.Alive(owner) {
				it.fails++
				it.failed = append(it.failed, si)
				continue
			}
			nb := byNode[owner]
			if nb == nil {
				nb = &nodeBatch{node: owner}
				byNode[owner] = nb
				order = append(order, nb)
			}
			nb.keys = append(nb.keys, shard.Key{Chunk: id, Index: uint8(si)})
			nb.shards = append(nb.shards, shards[si])
			nb.chunks = append(nb.chunks, ci)
		}
	}
	results := make(chan nodeResult, len(order))
	launched := 0
	for _, nb := range order {
		launched++
		s.stats.inflight.Add(int64(len(nb.keys)))
		ok := s.spawn(func() {
			defer s.stats.inflight.Add(-int64(len(nb.keys)))
			wctx, cancel := context.WithTimeout(s.ctx, s.cfg.ShardTimeout)
			defer cancel()
			results <- nodeResult{nb, bio.PutShards(wctx, nb.node, nb.keys, nb.shards)}
		})
		if !ok {
			s.stats.inflight.Add(-int64(len(nb.keys)))
			results <- nodeResult{nb, ErrClosed}
		}
	}
	// Every chunk needs its quorum; stop waiting once all have it, once one
	// cannot reach it, or when the caller gives up.
	pending := 0 // chunks still short of their quorum
	var lost *item
	for _, it := range items {
		if total-it.fails < need {
			lost = it
		}
		if it.acks < need {
			pending++
		}
	}
	got := 0
	var lastErr error
	for got < launched && pending > 0 && lost == nil {
		select {
		case r := <-results:
			got++
			if r.err != nil {
				lastErr = r.err
			}
			for j, ci := range r.b.chunks {
				it := items[ci]
				if r.err != nil {
					it.fails++
					it.failed = append(it.failed, int(r.b.keys[j].Index))
					if total-it.fails < need && it.acks < need {
						lost = it
					}
					continue
				}
				it.acks++
				if it.acks == need {
					pending--
				}
			}
		case <-ctx.Done():
			return fmt.Errorf("cas: put batch of %d chunks: %d short of %d durable shards: %w", len(items), pending, need, ctx.Err())
		}
	}
	if lost != nil || pending > 0 {
		if lost == nil {
			for _, it := range items {
				if it.acks < need {
					lost = it
					break
				}
			}
		}
		if lastErr == nil {
			lastErr = errors.New("owners not alive")
		}
		return fmt.Errorf("cas: put batch: chunk %s: %d of %d shards durable, need %d (last error: %v): %w",
			lost.id, lost.acks, total, need, lastErr, ErrInsufficientShards)
	}
	var bytesIn uint64
	for _, it := range items {
		bytesIn += uint64(it.size)
	}
	s.stats.puts.Add(uint64(len(items)))
	s.stats.bytesIn.Add(bytesIn)
	// Success: stragglers finish in the background; failures go to repair.
	finish := func() {
		for _, it := range items {
			s.queueFailed(it.id, it.owners, it.shards, it.failed)
		}
	}
	rest := launched - got
	if rest == 0 {
		finish()
		return nil
	}
	s.spawn(func() {
		for range rest {
			r := <-results
			if r.err == nil {
				continue
			}
			for j, ci := range r.b.chunks {
				items[ci].failed = append(items[ci].failed, int(r.b.keys[j].Index))
			}
		}
		finish()
	})
	return nil
}
