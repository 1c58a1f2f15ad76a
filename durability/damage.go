package durability

import (
	"context"
	"errors"
	"fmt"

	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/shard"
)

// DamageStore is implemented by stores that track damaged sstables
// (*shard.Store). With it the service handles a damaged file per shard:
// healthy shards are relocated locally (kept, not rebuilt from elsewhere),
// unreadable ones are rebuilt from the other shards and rewritten here, and
// then the file is quarantined.
type DamageStore interface {
	DamagedShards(ctx context.Context) ([]shard.DamagedShard, error)
	Relocate(ctx context.Context, k shard.Key) error
	QuarantineDamaged(ctx context.Context) (int, error)
}

// DamageStatus is the damaged-sstable figures on one node.
type DamageStatus struct {
	CorruptFiles  uint64 `json:"corrupt_files"`  // sstables found damaged since start
	DamagedShards int64  `json:"damaged_shards"` // shards in damaged files, at the last pass
	Relocated     uint64 `json:"relocated"`      // healthy shards of damaged files rewritten locally
	Rebuilt       uint64 `json:"rebuilt"`        // unreadable shards rebuilt from the other shards
	Quarantined   uint64 `json:"quarantined"`    // damaged files moved to quarantine/
	Failures      uint64 `json:"failures"`
}

// DamageResult summarises one damage pass.
type DamageResult struct {
	Damaged, Relocated, Rebuilt, Quarantined, Failures int
}

// DamagePass handles the shards of damaged sstables now (see DamageStore).
// It runs before every repair pass; without a DamageStore it does nothing.
func (s *Service) DamagePass(ctx context.Context) (DamageResult, error) {
	var res DamageResult
	ds, ok := s.store.(DamageStore)
	if !ok {
		return res, nil
	}
	bad, err := ds.DamagedShards(ctx)
	if err != nil {
		return res, fmt.Errorf("durability: damage pass: %w", err)
	}
	res.Damaged = len(bad)
	s.st.update(func(st *stats) { st.damage.DamagedShards = int64(len(bad)) })
	for _, d := range bad {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if err := waitBytes(ctx, s.repairLim, d.Info.Size); err != nil {
			return res, err
		}
		err := errors.New("lost")
		if !d.Lost {
			err = ds.Relocate(ctx, d.Key)
		}
		switch {
		case err == nil:
			res.Relocated++
			continue
		case errors.Is(err, shard.ErrNotFound):
			continue // deleted meanwhile
		case !d.Lost && !errors.Is(err, shard.ErrCorrupt):
			res.Failures++
			s.log.Warn("durability: could not relocate a shard of a damaged sstable", "key", d.Key.String(), "err", err)
			continue
		}
		it := scrubItem{k: d.Key, pol: layout.Policy{K: int(d.Info.K), M: int(d.Info.M)}, n: d.Info.Size}
		if err := s.rewrite(ctx, it); err != nil {
			res.Failures++
			s.log.Warn("durability: could not rebuild a shard of a damaged sstable", "key", d.Key.String(), "err", err)
			continue
		}
		res.Rebuilt++
	}
	n, err := ds.QuarantineDamaged(ctx)
	res.Quarantined = n
	s.st.update(func(st *stats) {
		st.damage.Relocated += uint64(res.Relocated)
		st.damage.Rebuilt += uint64(res.Rebuilt)
		st.damage.Quarantined += uint64(n)
		st.damage.Failures += uint64(res.Failures)
		if res.Failures == 0 && err == nil {
			st.damage.DamagedShards = 0
		}
	})
	if res.Damaged > 0 {
		s.log.Info("durability: damaged sstables handled", "shards", res.Damaged, "relocated", res.Relocated,
			"rebuilt", res.Rebuilt, "quarantined_files", n, "failures", res.Failures)
	}
	if err != nil {
		return res, fmt.Errorf("durability: damage pass: %w", err)
	}
	return res, nil
}
