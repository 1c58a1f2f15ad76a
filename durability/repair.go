package durability

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/shard"
)

// PassResult summarises one repair/rebalance pass.
type PassResult struct {
	Chunks    int64 // distinct chunks the node holds shards of
	Shards    int64 // local shards scanned
	Misplaced int64 // local shards found not where the effective layout puts them
	Moved     int64 // of those, handed to their owner and deleted locally
	Degraded  int64 // chunks missing shards that this node was designated to rebuild
	Rebuilt   int64 // shards rebuilt on their owners
	Bytes     int64 // shard bytes written (moves + rebuilds)
	Pending   int64 // actions deferred (owner briefly unreachable)
	Failures  int64 // actions that failed
}

func (r *PassResult) add(o PassResult) {
	r.Chunks += o.Chunks
	r.Shards += o.Shards
	r.Misplaced += o.Misplaced
	r.Moved += o.Moved
	r.Degraded += o.Degraded
	r.Rebuilt += o.Rebuilt
	r.Bytes += o.Bytes
	r.Pending += o.Pending
	r.Failures += o.Failures
}

// clean: nothing left to do for this layout.
func (r PassResult) clean() bool {
	return r.Misplaced == r.Moved && r.Pending == 0 && r.Failures == 0
}

// heldChunk is a chunk some of whose shards the local store holds.
type heldChunk struct {
	id     chunk.ID
	pol    layout.Policy
	held   []uint8
	minSeq uint64 // oldest local shard's write sequence
}

func (h *heldChunk) holds(i int) bool { return slices.Contains(h.held, uint8(i)) }

func (s *Service) runRepairPass(ctx context.Context) {
	if _, err := s.DamagePass(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("durability: damage pass", "err", err)
	}
	res, err := s.RepairPass(ctx)
	if err != nil && ctx.Err() == nil && !errors.Is(err, ErrNoLayout) {
		s.log.Warn("durability: repair pass", "err", err)
	}
	if res.Degraded > 0 || res.Moved > 0 || res.Failures > 0 {
		s.log.Info("durability: repair pass", "shards", res.Shards, "moved", res.Moved, "degraded", res.Degraded,
			"rebuilt", res.Rebuilt, "bytes", res.Bytes, "pending", res.Pending, "failures", res.Failures)
	}
}

// RepairPass runs one repair/rebalance pass over the local store now.
func (s *Service) RepairPass(ctx context.Context) (PassResult, error) {
	s.repairMu.Lock() // one pass at a time (loop, Kick, tests)
	defer s.repairMu.Unlock()
	var res PassResult
	ls := s.topo.Layouts()
	if len(ls) == 0 || len(ls[0].Nodes) == 0 {
		return res, ErrNoLayout
	}
	cur := ls[0]
	eff := s.effective(cur)
	if len(eff.Nodes) == 0 {
		return res, fmt.Errorf("%w: every node of layout %d is lost", ErrNoLayout, cur.Version)
	}
	pl := newPlacers(eff)
	// Chunks whose oldest local shard was written within the last
	// RepairDelay (at most a minute) may still have shard writes in flight
	// (cas acks at K+1): not rebuilt yet.
	fresh := s.cutoff(min(s.cfg.RepairDelay, time.Minute), ^uint64(0))
	// Where else a missing shard may still sit: the current layout's owner
	// (when a lost node changed the effective placement) and older versions.
	var old []*placers
	if !eff.Equal(cur) {
		old = append(old, newPlacers(cur))
	}
	for _, l := range ls[1:] {
		old = append(old, newPlacers(l))
	}
	s.st.update(func(st *stats) {
		st.repair.begin(s.store.Stats().Shards)
		st.rebalance.LayoutVersion = cur.Version
	})
	start := time.Now()
	var batch []heldChunk
	flush := func() {
		r := s.repairBatch(ctx, pl, old, fresh, batch)
		res.add(r)
		s.st.update(func(st *stats) {
			st.repair.advance(r.Shards)
			st.repair.RebuiltShards += uint64(r.Rebuilt)
			st.repair.RebuiltBytes += uint64(r.Bytes)
			st.repair.Failures += uint64(r.Failures)
			st.rebalance.MovedShards += uint64(r.Moved)
			if res.Bytes > 0 {
				st.repair.ThroughputMBps = float64(res.Bytes) / 1e6 / time.Since(start).Seconds()
			}
		})
		batch = batch[:0]
	}
	err := s.store.IterateSeq(ctx, func(k shard.Key, in shard.SeqInfo) error {
		if n := len(batch); n > 0 && batch[n-1].id == k.Chunk {
			batch[n-1].held = append(batch[n-1].held, k.Index)
			batch[n-1].minSeq = min(batch[n-1].minSeq, in.Seq)
			return nil
		}
		if len(batch) >= s.cfg.BatchChunks {
			flush()
		}
		batch = append(batch, heldChunk{id: k.Chunk, pol: layout.Policy{K: int(in.K), M: int(in.M)}, held: []uint8{k.Index}, minSeq: in.Seq})
		return ctx.Err()
	})
	if err == nil && len(batch) > 0 {
		flush()
	}
	complete := err == nil
	s.st.update(func(st *stats) {
		st.repair.end(complete)
		st.repair.RateBytes = s.RepairRate()
		if complete {
			st.repair.DegradedChunks = res.Degraded
			st.rebalance.Misplaced = res.Misplaced - res.Moved
		}
	})
	if err != nil {
		return res, fmt.Errorf("durability: repair pass: %w", err)
	}
	if res.clean() && eff.Equal(cur) {
		s.reportDone(ctx, ls)
	}
	return res, nil
}

// presence of one shard at its owner.
type presence uint8

const (
	unknown presence = iota // owner unreachable
	absent
	present
)

// repairBatch checks, moves and rebuilds the shards of a batch of chunks.
func (s *Service) repairBatch(ctx context.Context, pl *placers, old []*placers, fresh uint64, batch []heldChunk) PassResult {
	var res PassResult
	owners := make([][]layout.NodeID, len(batch))
	state := make([][]presence, len(batch))
	q := newPresenceQuery()
	for ci, h := range batch {
		res.Chunks++
		res.Shards += int64(len(h.held))
		o, err := pl.owners(h.id, h.pol)
		if err != nil {
			res.Failures++
			continue
		}
		owners[ci], state[ci] = o, make([]presence, len(o))
		for i, n := range o {
			if n == s.self {
				state[ci][i] = absent
				if h.holds(i) {
					state[ci][i] = present
				}
				continue
			}
			q.add(n, shard.Key{Chunk: h.id, Index: uint8(i)}, ci, i)
		}
	}
	s.runPresence(ctx, q, func(ci, i int, p presence) { state[ci][i] = p })
	// Chunks are fixed concurrently (Config.Parallelism at once): one
	// rebuild is a chunk read, an encode and synced remote writes, so one
	// at a time left the repair rate bounded by latency, not by the limit.
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, s.cfg.Parallelism)
	for ci := range batch {
		if owners[ci] == nil {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			var r PassResult
			s.fixChunk(ctx, &batch[ci], owners[ci], state[ci], old, batch[ci].minSeq >= fresh, &r)
			mu.Lock()
			res.add(r)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return res
}

// fixChunk hands off misplaced local shards and, when designated, rebuilds
// missing ones.
func (s *Service) fixChunk(ctx context.Context, h *heldChunk, owners []layout.NodeID, st []presence, old []*placers, young bool, res *PassResult) {
	if s.gcHeld() {
		res.Pending++ // a gc is sweeping: no shard writes until it is done
		return
	}
	for _, idx := range h.held {
		i := int(idx)
		if i >= len(owners) {
			res.Failures++ // a shard index outside its own policy: leave it to scrub/fsck
			continue
		}
		if owners[i] == s.self {
			continue
		}
		res.Misplaced++
		if err := s.handoff(ctx, shard.Key{Chunk: h.id, Index: idx}, owners[i], st[i], res); err != nil {
			s.log.Debug("durability: handoff", "chunk", h.id, "index", i, "to", owners[i], "err", err)
			continue
		}
		st[i] = present
	}
	var missing []int
	for i, p := range st {
		if p == absent {
			missing = append(missing, i)
		}
	}
	if len(missing) == 0 {
		return
	}
	// Shards still held under another layout are not missing (their holder
	// hands them off) and count for choosing the one node that rebuilds: the
	// holder of the lowest present index.
	lost := s.notHeldElsewhere(ctx, h, missing, old)
	first := -1
	for i, p := range st {
		if p == present || h.holds(i) || (p == absent && !slices.Contains(lost, i)) {
			first = i
			break
		}
	}
	if len(lost) == 0 || first < 0 || !h.holds(first) {
		return
	}
	if young {
		res.Pending++ // its writes may still be in flight; next pass
		return
	}
	missing = lost
	res.Degraded++
	if err := s.rebuild(ctx, h, owners, missing, res); err != nil {
		res.Failures++
		s.log.Warn("durability: rebuild", "chunk", h.id, "missing", missing, "err", err)
	}
}

// handoff moves the local shard k to owner: copy (unless the owner already
// has it), then delete locally only once the owner holds it durably.
func (s *Service) handoff(ctx context.Context, k shard.Key, owner layout.NodeID, p presence, res *PassResult) error {
	switch p {
	case unknown:
		res.Pending++
		return fmt.Errorf("owner %s unreachable", owner)
	case absent:
		b, err := s.store.Get(ctx, k)
		if errors.Is(err, shard.ErrNotFound) {
			return err // deleted meanwhile (gc): nothing to move
		}
		if err != nil {
			res.Failures++ // corrupt: scrub rebuilds it first
			return err
		}
		if err := waitBytes(ctx, s.repairLim, len(b)); err != nil {
			res.Pending++
			return err
		}
		if s.gcHeld() {
			res.Pending++
			return fmt.Errorf("gc in progress")
		}
		cctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
		err = s.io.PutShard(cctx, owner, k, b)
		cancel()
		if err != nil {
			res.Failures++
			return err
		}
		res.Bytes += int64(len(b))
		s.st.update(func(st *stats) { st.rebalance.MovedBytes += uint64(len(b)) })
	}
	if err := s.store.Delete(ctx, k); err != nil {
		res.Failures++
		return err
	}
	res.Moved++
	return nil
}

// notHeldElsewhere drops the missing indexes that an alive owner under
// another layout (older versions, or the current one when it differs from
// the effective one) still holds: that node hands them off itself.
func (s *Service) notHeldElsewhere(ctx context.Context, h *heldChunk, missing []int, old []*placers) []int {
	if len(old) == 0 {
		return missing
	}
	out := missing[:0:0]
	for _, i := range missing {
		k := shard.Key{Chunk: h.id, Index: uint8(i)}
		found := false
		for _, p := range old {
			o, err := p.owners(h.id, h.pol)
			if err != nil || i >= len(o) || o[i] == s.self || !s.topo.Alive(o[i]) {
				continue
			}
			cctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
			has, err := s.io.HasShards(cctx, o[i], []shard.Key{k})
			cancel()
			if err == nil && len(has) == 1 && has[0] {
				found = true
				break
			}
		}
		if !found {
			out = append(out, i)
		}
	}
	return out
}

// rebuild reads the chunk (reconstructing it), re-encodes it and writes the
// missing shards to their owners, paced by the repair rate.
func (s *Service) rebuild(ctx context.Context, h *heldChunk, owners []layout.NodeID, missing []int, res *PassResult) error {
	data, err := s.chunk.Get(ctx, h.id)
	if err != nil {
		return fmt.Errorf("read chunk: %w", err)
	}
	c, err := s.codec(h.pol)
	if err != nil {
		return err
	}
	shards, err := c.Encode(h.id, data)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	var errs []error
	for _, i := range missing {
		if err := waitBytes(ctx, s.repairLim, len(shards[i])); err != nil {
			return err
		}
		if s.gcHeld() {
			res.Pending++
			return nil
		}
		cctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
		err := s.io.PutShard(cctx, owners[i], shard.Key{Chunk: h.id, Index: uint8(i)}, shards[i])
		cancel()
		if err != nil {
			errs = append(errs, fmt.Errorf("shard %d on %s: %w", i, owners[i], err))
			continue
		}
		res.Rebuilt++
		res.Bytes += int64(len(shards[i]))
	}
	return errors.Join(errs...)
}

// reportDone records a clean pass for the current layout and retires the
// older versions once every node of the current layout has reported.
func (s *Service) reportDone(ctx context.Context, ls []layout.Layout) {
	cur := ls[0]
	s.mu.Lock()
	done := s.reported >= cur.Version
	s.mu.Unlock()
	if !done {
		if err := s.meta.ReportRebalanced(ctx, string(s.self), cur.Version); err != nil {
			s.log.Debug("durability: report rebalanced", "err", err)
			return
		}
		s.mu.Lock()
		s.reported = cur.Version
		s.mu.Unlock()
		s.st.update(func(st *stats) { st.rebalance.DoneVersion = cur.Version })
	}
	if len(ls) < 2 {
		return
	}
	reps, err := s.meta.RebalanceReports(ctx)
	if err != nil {
		return
	}
	for _, n := range cur.Nodes {
		if reps[string(n.ID)] < cur.Version {
			return
		}
	}
	if err := s.meta.RetireLayouts(ctx, ls[1].Version); err != nil {
		s.log.Debug("durability: retire layouts", "err", err)
		return
	}
	s.log.Info("durability: every node rebalanced; retired older layouts", "up_to", ls[1].Version, "current", cur.Version)
}
