package shard

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/datamon-io/datamon/erasure"
)

// Write path. One coordinator goroutine (writeLoop) forms batches from the
// request queue; each batch is planned (last request per key wins, the old
// index state is looked up through the in-flight overlay, identical re-puts
// are dropped, sequence numbers are assigned), then its sstable is built and
// fsynced by a builder goroutine, while one committer goroutine ingests the
// sstables and commits their index batches strictly in batch order. At most
// cfg.Parallelism batches are in flight; while all slots are busy requests
// queue up, so batches grow with load (group commit).

// request is one Put (data != nil) or Delete queued for the writer.
type request struct {
	key  Key
	data []byte
	info Info
	del  bool
	// force writes the bytes under a new sequence even when they equal the
	// stored ones (Relocate).
	force bool
	done  chan error
}

// Put stores shard under k and returns once it is durable. The bytes must be
// a valid shard (erasure.ParseShard) whose header names k; otherwise
// ErrBadShard. Re-putting identical bytes is a no-op; different valid bytes
// replace the stored shard (e.g. a repair of a corrupt one).
func (s *Store) Put(ctx context.Context, k Key, shard []byte) error {
	h, _, err := erasure.ParseShard(shard)
	if err != nil {
		return fmt.Errorf("shard: put %s: %w: %w", k, ErrBadShard, err)
	}
	if h.ChunkID != k.Chunk || h.Index != k.Index {
		return fmt.Errorf("shard: put %s: header names %x/%d: %w", k, h.ChunkID, h.Index, ErrBadShard)
	}
	r := &request{key: k, data: shard, info: Info{Size: len(shard), K: h.K, M: h.M, ChunkLen: h.ChunkLen}}
	if err := s.submit(ctx, r); err != nil {
		return fmt.Errorf("shard: put %s: %w", k, err)
	}
	return nil
}

// Delete removes shard k durably. Deleting an absent shard is not an error.
// The data is dropped with a point tombstone; its space returns when
// compaction reaches it.
func (s *Store) Delete(ctx context.Context, k Key) error {
	if err := s.submit(ctx, &request{key: k, del: true}); err != nil {
		return fmt.Errorf("shard: delete %s: %w", k, err)
	}
	return nil
}

func (s *Store) submit(ctx context.Context, r *request) error {
	r.done = make(chan error, 1)
	if err := s.gate.failed(); err != nil {
		return err
	}
	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		return ErrClosed
	}
	select {
	case s.reqs <- r:
		s.closeMu.RUnlock()
	case <-ctx.Done():
		s.closeMu.RUnlock()
		return ctx.Err()
	}
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		return ctx.Err() // the write may still complete; it was not acknowledged
	}
}

// writeLoop is the coordinator. It owns next (the next data sequence).
func (s *Store) writeLoop(next uint64) {
	slots := make(chan struct{}, s.cfg.Parallelism)
	commitQ := make(chan *job, s.cfg.Parallelism)
	committed := make(chan struct{})
	go s.commitLoop(commitQ, slots, committed)
	defer func() {
		close(commitQ)
		<-committed
		s.failQueued()
		close(s.done)
	}()
	var gen uint64
	lastSize := 0
	for {
		var first *request
		select {
		case first = <-s.reqs:
		case <-s.stop:
			return
		}
		select {
		case slots <- struct{}{}:
		case <-s.stop:
			first.done <- ErrClosed
			return
		}
		batch := s.collect(first, lastSize > 1)
		lastSize = len(batch)
		gen++
		epoch := s.planEpoch.Load() // before plan reads the overlay
		j := s.plan(batch, gen, &next)
		j.epoch = epoch
		if len(j.writes) > 0 {
			j.built = make(chan error, 1)
			go func() { j.built <- s.buildTable(j) }()
		}
		commitQ <- j
	}
}

// collect gathers queued requests after first, up to MaxBatchBytes; it
// waits up to MaxBatchDelay for more only when the previous batch showed
// concurrency (wait).
func (s *Store) collect(first *request, wait bool) []*request {
	batch := []*request{first}
	size := len(first.data)
	var timer <-chan time.Time
	if wait && s.cfg.MaxBatchDelay > 0 {
		t := time.NewTimer(s.cfg.MaxBatchDelay)
		defer t.Stop()
		timer = t.C
	}
	for size < s.cfg.MaxBatchBytes {
		select {
		case r := <-s.reqs:
			batch = append(batch, r)
			size += len(r.data)
			continue
		default:
		}
		if timer == nil {
			break
		}
		select {
		case r := <-s.reqs:
			batch = append(batch, r)
			size += len(r.data)
		case <-timer:
			return batch
		case <-s.stop:
			return batch
		}
	}
	return batch
}

// failQueued answers requests still queued at Close.
func (s *Store) failQueued() {
	for {
		select {
		case r := <-s.reqs:
			r.done <- ErrClosed
		default:
			return
		}
	}
}

// commitLoop ingests and commits batches in order, acknowledges them,
// retires their overlay entries and frees their slots. Consecutive batches
// whose sstables are already built are committed together (one Ingest, one
// synced index batch), amortising the serial part of a commit.
//
// A failed batch (e.g. ENOSPC building its sstable) fails, and so does every
// batch planned before the failed one left the overlay (it may rest on the
// failed batch's index state). Batches planned after that see only
// committed state, so writes resume on their own once the cause is gone (a
// full disk freed): the store does not need a reopen. A failure after a
// successful ingest leaves unindexed data keys below later sequences:
// invisible, only their space is lost until the data is compacted away.
func (s *Store) commitLoop(q <-chan *job, slots <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	var failed error   // the last failure, for batches that rested on it
	var minGood uint64 // batches planned in an earlier epoch rest on a failure
	var queue []*job
	open := true
	for open || len(queue) > 0 {
		if len(queue) == 0 {
			j, ok := <-q
			if !ok {
				return
			}
			queue = append(queue, j)
		}
	drain:
		for open {
			select {
			case j, ok := <-q:
				if !ok {
					open = false
					break drain
				}
				queue = append(queue, j)
			default:
				break drain
			}
		}
		waitBuilt(queue[0], true)
		n := 1
		poisoned := queue[0].epoch < minGood
		for !poisoned && n < len(queue) && queue[0].err == nil && queue[n].epoch >= minGood &&
			waitBuilt(queue[n], false) && queue[n].err == nil {
			n++
		}
		group := queue[:n]
		var err error
		if ge := s.gate.failed(); ge != nil {
			err = ge // fsyncgate: nothing is committed after a failed fsync
		} else if poisoned {
			err = fmt.Errorf("%w: planned on top of a failed write: %w", ErrClosed, failed)
		} else if err = s.commitGroup(group); err != nil {
			if ge := s.gate.failed(); ge != nil && !errors.Is(err, ErrSyncFailed) {
				err = fmt.Errorf("%w (%w)", ge, err)
			}
			failed = err
			s.log.Error("shard: write failed; batches planned on top of it fail too, then writes resume", "err", err)
		}
		for _, j := range group {
			if j.path != "" {
				_ = s.cfg.FS.Remove(j.path)
			}
			s.retire(j)
			for _, r := range j.reqs {
				r.done <- err
			}
			<-slots
		}
		if err != nil {
			// Every batch planned from now on sees the overlay without
			// this group: it rests on committed state only.
			minGood = s.planEpoch.Add(1)
		}
		queue = append(queue[:0], queue[n:]...)
	}
}

// waitBuilt reports whether j's sstable is built (or j has none), waiting
// for it if block. A build failure is recorded in j.err.
func waitBuilt(j *job, block bool) bool {
	if j.ready || j.built == nil {
		return true
	}
	if block {
		if err := <-j.built; err != nil && j.err == nil {
			j.err = err
		}
		j.ready = true
		return true
	}
	select {
	case err := <-j.built:
		if err != nil && j.err == nil {
			j.err = err
		}
		j.ready = true
		return true
	default:
		return false
	}
}
