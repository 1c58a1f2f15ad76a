package cas

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/shard"
)

// writeResult is the outcome of one shard write.
type writeResult struct {
	index int
	err   error
}

// Put stores data as a chunk and returns its ID. It returns once K+1 shards
// (K when M = 0) are durable; the other writes finish in the background and
// failures are queued for repair. With fewer durable shards it returns an
// error wrapping ErrInsufficientShards and the chunk must not be considered
// stored. Putting an existing chunk rewrites its shards (idempotent).
func (s *Service) Put(ctx context.Context, data []byte) (chunk.ID, error) {
	if s.closed() {
		return chunk.ID{}, ErrClosed
	}
	if len(data) > s.cfg.MaxChunkSize {
		return chunk.ID{}, fmt.Errorf("%w: %d bytes > %d", ErrTooLarge, len(data), s.cfg.MaxChunkSize)
	}
	id := chunk.Sum(data)
	if err := s.put(ctx, id, data); err != nil {
		return chunk.ID{}, err
	}
	return id, nil
}

// PutIfMissing is Put preceded by Has: when the chunk already has K shards
// under some layout it uploads nothing and reports stored = false.
func (s *Service) PutIfMissing(ctx context.Context, data []byte) (id chunk.ID, stored bool, err error) {
	if len(data) > s.cfg.MaxChunkSize {
		return chunk.ID{}, false, fmt.Errorf("%w: %d bytes > %d", ErrTooLarge, len(data), s.cfg.MaxChunkSize)
	}
	id = chunk.Sum(data)
	has, err := s.Has(ctx, []chunk.ID{id})
	if err == nil && has[0] {
		s.stats.puts.Add(1)
		return id, false, nil
	}
	if err := s.put(ctx, id, data); err != nil {
		return chunk.ID{}, false, err
	}
	return id, true, nil
}

func (s *Service) put(ctx context.Context, id chunk.ID, data []byte) error {
	ls, err := s.layouts()
	if err != nil {
		return fmt.Errorf("cas: put %s: %w", id, err)
	}
	l := ls[0]
	p := l.Policy
	codec, err := s.codec(p)
	if err != nil {
		return err
	}
	owners, err := s.place(id, l)
	if err != nil {
		return fmt.Errorf("cas: put %s: place: %w", id, err)
	}
	shards, err := codec.Encode(id, data)
	if err != nil {
		return fmt.Errorf("cas: put %s: encode: %w", id, err)
	}
	total, need := p.Total(), p.K+1
	if p.M == 0 {
		need = p.K
	}
	if err := s.checkOwnersAlive(p, owners, need); err != nil {
		return err // fail fast: no shard sent, nothing to retry until a node returns
	}
	results := make(chan writeResult, total)
	launched := 0
	var dead []int
	for i, owner := range owners {
		if !s.topo.Alive(owner) {
			dead = append(dead, i)
			continue
		}
		launched++
		s.stats.inflight.Add(1)
		ok := s.spawn(func() {
			defer s.stats.inflight.Add(-1)
			wctx, cancel := context.WithTimeout(s.ctx, s.cfg.ShardTimeout)
			defer cancel()
			err := s.io.PutShard(wctx, owner, shard.Key{Chunk: id, Index: uint8(i)}, shards[i])
			results <- writeResult{i, err}
		})
		if !ok {
			s.stats.inflight.Add(-1)
			results <- writeResult{i, ErrClosed}
		}
	}
	// Wait for a quorum, for the quorum to become impossible, or for the caller.
	acks, fails, got := 0, len(dead), 0
	var failed []int
	var lastErr error
	for got < launched && acks < need && total-fails >= need {
		select {
		case r := <-results:
			got++
			if r.err != nil {
				fails++
				failed = append(failed, r.index)
				lastErr = r.err
			} else {
				acks++
			}
		case <-ctx.Done():
			return fmt.Errorf("cas: put %s: %d/%d shards durable: %w", id, acks, need, ctx.Err())
		}
	}
	if acks < need {
		if lastErr == nil {
			lastErr = errors.New("owners not alive")
		}
		return fmt.Errorf("cas: put %s: %d of %d shards durable, need %d (%d owners dead; last error: %v): %w",
			id, acks, total, need, len(dead), lastErr, ErrInsufficientShards)
	}
	s.stats.puts.Add(1)
	s.stats.bytesIn.Add(uint64(len(data)))
	// Success: the stragglers finish in the background; failures go to repair.
	retry := append(dead, failed...)
	rest := launched - got
	if rest == 0 {
		s.queueFailed(id, owners, shards, retry)
		return nil
	}
	s.spawn(func() {
		for range rest {
			if r := <-results; r.err != nil {
				retry = append(retry, r.index)
			}
		}
		s.queueFailed(id, owners, shards, retry)
	})
	return nil
}

// queueFailed sends the shards that did not reach their owner to repair.
func (s *Service) queueFailed(id chunk.ID, owners []layout.NodeID, shards [][]byte, idx []int) {
	if len(idx) == 0 || s.closed() {
		return
	}
	s.stats.degraded.Add(1)
	for _, i := range idx {
		// Clone: the shards share one allocation; keep only this one alive.
		s.enqueueRepair(owners[i], shard.Key{Chunk: id, Index: uint8(i)}, bytes.Clone(shards[i]))
	}
}
