package durability

import (
	"context"
	"errors"
	"fmt"

	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/shard"
)

// ScrubResult summarises one scrub pass.
type ScrubResult struct {
	Scanned  int64
	Bytes    int64
	Corrupt  int64 // shards that failed verification (checksum, header, missing data)
	Repaired int64 // of those, rebuilt and rewritten
	Failures int64
}

func (s *Service) runScrubPass(ctx context.Context) {
	res, err := s.ScrubPass(ctx)
	if err != nil && ctx.Err() == nil {
		s.log.Warn("durability: scrub pass", "err", err)
	}
	if res.Corrupt > 0 {
		s.log.Warn("durability: scrub found corrupt shards", "corrupt", res.Corrupt, "repaired", res.Repaired)
	}
}

type scrubItem struct {
	k   shard.Key
	pol layout.Policy
	n   int
}

// ScrubPass re-reads and verifies every local shard now, paced by
// Config.ScrubRate; corrupt shards are rebuilt from the other shards and
// rewritten in place.
func (s *Service) ScrubPass(ctx context.Context) (ScrubResult, error) {
	s.scrubMu.Lock()
	defer s.scrubMu.Unlock()
	var res ScrubResult
	s.st.update(func(st *stats) {
		st.scrub.begin(s.store.Stats().Shards)
		st.scrub.RateBytes = s.cfg.ScrubRate
	})
	complete := false
	defer func() { s.st.update(func(st *stats) { st.scrub.end(complete) }) }()
	// Collect keys in slices so that slow, paced reads never pin an iterator.
	var batch []scrubItem
	var after *shard.Key
	for {
		batch = batch[:0]
		err := s.store.IterateSeqAfter(ctx, after, func(k shard.Key, in shard.SeqInfo) error {
			if len(batch) >= 1024 {
				return errBatchFull
			}
			batch = append(batch, scrubItem{k: k, pol: layout.Policy{K: int(in.K), M: int(in.M)}, n: in.Size})
			return nil
		})
		if err != nil && !errors.Is(err, errBatchFull) {
			return res, fmt.Errorf("durability: scrub: %w", err)
		}
		if len(batch) == 0 {
			complete = true
			return res, nil
		}
		for _, it := range batch {
			if err := s.scrubOne(ctx, it, &res); err != nil {
				return res, err
			}
		}
		last := batch[len(batch)-1].k
		after = &last
		s.st.update(func(st *stats) { st.scrub.advance(int64(len(batch))) })
	}
}

var errBatchFull = errors.New("batch full")

func (s *Service) scrubOne(ctx context.Context, it scrubItem, res *ScrubResult) error {
	if err := waitBytes(ctx, s.scrubLim, it.n); err != nil {
		return err
	}
	res.Scanned++
	res.Bytes += int64(it.n)
	_, err := s.store.Get(ctx, it.k)
	switch {
	case err == nil || errors.Is(err, shard.ErrNotFound): // deleted meanwhile
		return nil
	case !errors.Is(err, shard.ErrCorrupt):
		res.Failures++
		s.st.update(func(st *stats) { st.scrub.Failures++ })
		return nil
	}
	res.Corrupt++
	s.st.update(func(st *stats) { st.scrub.CorruptFound++ })
	if err := s.rewrite(ctx, it); err != nil {
		res.Failures++
		s.st.update(func(st *stats) { st.scrub.Failures++ })
		s.log.Warn("durability: scrub could not rebuild a corrupt shard", "key", it.k.String(), "err", err)
		return nil
	}
	res.Repaired++
	s.st.update(func(st *stats) { st.scrub.Repaired++ })
	return nil
}

// rewrite rebuilds shard it.k from the chunk (read from the other shards)
// and replaces the local copy.
func (s *Service) rewrite(ctx context.Context, it scrubItem) error {
	cctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
	defer cancel()
	data, err := s.chunk.Get(cctx, it.k.Chunk)
	if err != nil {
		return fmt.Errorf("read chunk: %w", err)
	}
	c, err := s.codec(it.pol)
	if err != nil {
		return err
	}
	shards, err := c.Encode(it.k.Chunk, data)
	if err != nil {
		return err
	}
	if int(it.k.Index) >= len(shards) {
		return fmt.Errorf("%w: index %d of %s", ErrBadRequest, it.k.Index, it.pol)
	}
	return s.store.Put(cctx, it.k, shards[it.k.Index])
}
