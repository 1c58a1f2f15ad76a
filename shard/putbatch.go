package shard

import (
	"context"
	"fmt"

	"github.com/datamon-io/datamon/erasure"
)

// PutBatch stores many shards and returns once every one of them is durable.
// Every shard is validated first (as Put does) and nothing is queued when
// any of them is invalid (ErrBadShard names the first), so a malformed batch
// stores nothing. The shards share the writer's group commit: a batch that
// fits MaxBatchBytes is one sstable and one synced index batch. A later key
// repeated in the batch wins over an earlier one.
func (s *Store) PutBatch(ctx context.Context, keys []Key, shards [][]byte) error {
	if len(keys) != len(shards) {
		return fmt.Errorf("shard: put batch: %d keys for %d shards: %w", len(keys), len(shards), ErrBadShard)
	}
	reqs := make([]*request, len(keys))
	for i, k := range keys {
		h, _, err := erasure.ParseShard(shards[i])
		if err != nil {
			return fmt.Errorf("shard: put batch: %s: %w: %w", k, ErrBadShard, err)
		}
		if h.ChunkID != k.Chunk || h.Index != k.Index {
			return fmt.Errorf("shard: put batch: %s: header names %x/%d: %w", k, h.ChunkID, h.Index, ErrBadShard)
		}
		reqs[i] = &request{key: k, data: shards[i], info: Info{Size: len(shards[i]), K: h.K, M: h.M, ChunkLen: h.ChunkLen},
			done: make(chan error, 1)}
	}
	if len(reqs) == 0 {
		return nil
	}
	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		return ErrClosed
	}
	for _, r := range reqs {
		select {
		case s.reqs <- r:
		case <-ctx.Done():
			s.closeMu.RUnlock()
			return fmt.Errorf("shard: put batch: %w", ctx.Err())
		}
	}
	s.closeMu.RUnlock()
	for _, r := range reqs {
		select {
		case err := <-r.done:
			if err != nil {
				return fmt.Errorf("shard: put batch: %s: %w", r.key, err)
			}
		case <-ctx.Done():
			return fmt.Errorf("shard: put batch: %w", ctx.Err()) // may still complete; not acknowledged
		}
	}
	return nil
}
