package raftlog

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"github.com/hashicorp/raft"
)

// FirstIndex implements raft.LogStore: the smallest stored index, 0 if none.
// It is served from memory.
func (s *Store) FirstIndex() (uint64, error) {
	if err := s.acquire(); err != nil {
		return 0, err
	}
	defer s.life.RUnlock()
	s.idxMu.RLock()
	defer s.idxMu.RUnlock()
	return s.first, nil
}

// LastIndex implements raft.LogStore: the largest stored index, 0 if none.
// It is served from memory.
func (s *Store) LastIndex() (uint64, error) {
	if err := s.acquire(); err != nil {
		return 0, err
	}
	defer s.life.RUnlock()
	s.idxMu.RLock()
	defer s.idxMu.RUnlock()
	return s.last, nil
}

// GetLog implements raft.LogStore. A missing index returns
// raft.ErrLogNotFound unwrapped. log's slices do not alias store memory.
func (s *Store) GetLog(index uint64, log *raft.Log) error {
	if err := s.acquire(); err != nil {
		return err
	}
	defer s.life.RUnlock()
	v, closer, err := s.db.Get(logKey(index))
	if errors.Is(err, pebble.ErrNotFound) {
		return raft.ErrLogNotFound
	}
	if err != nil {
		return fmt.Errorf("raftlog: get log %d: %w", index, s.ct.wrap(err))
	}
	buf := append(make([]byte, 0, len(v)), v...)
	if err := closer.Close(); err != nil {
		return fmt.Errorf("raftlog: get log %d: %w", index, s.ct.wrap(err))
	}
	var out raft.Log
	if err := decodeLog(buf, &out); err != nil {
		return fmt.Errorf("raftlog: get log %d: %w", index, s.ct.wrap(err))
	}
	if out.Index != index {
		return fmt.Errorf("raftlog: get log %d: %w: record holds index %d", index, ErrCorrupt, out.Index)
	}
	*log = out
	return nil
}

// StoreLog implements raft.LogStore; see StoreLogs.
func (s *Store) StoreLog(log *raft.Log) error {
	return s.StoreLogs([]*raft.Log{log})
}

// StoreLogs implements raft.LogStore. All entries are written in one Pebble
// batch committed with Sync=true: after it returns they survive a crash, and
// a crash before it returns leaves all or none of them. Existing entries with
// the same index are overwritten.
func (s *Store) StoreLogs(logs []*raft.Log) error {
	if len(logs) == 0 {
		return nil
	}
	size := 0
	lo, hi := ^uint64(0), uint64(0)
	for i, l := range logs {
		if l == nil || l.Index == 0 {
			return fmt.Errorf("raftlog: store logs: %w: entry %d is nil or has index 0", ErrInvalidLog, i)
		}
		lo, hi = min(lo, l.Index), max(hi, l.Index)
		size += logKeyLen + encodedLen(l)
	}
	if err := s.acquire(); err != nil {
		return err
	}
	defer s.life.RUnlock()

	b := s.db.NewBatchWithSize(size)
	defer b.Close()
	var buf []byte
	for _, l := range logs {
		buf = encodeLog(buf[:0], l)
		if err := b.Set(logKey(l.Index), buf, nil); err != nil {
			return fmt.Errorf("raftlog: store logs %d..%d: %w", lo, hi, err)
		}
	}

	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("raftlog: store logs %d..%d: %w", lo, hi, err)
	}
	s.idxMu.Lock()
	if s.first == 0 || lo < s.first {
		s.first = lo
	}
	s.last = max(s.last, hi)
	s.idxMu.Unlock()
	return nil
}

// DeleteRange implements raft.LogStore: it removes entries min..max
// (inclusive) with one synced range tombstone. min > max is a no-op.
func (s *Store) DeleteRange(min, max uint64) error {
	if min > max {
		return nil
	}
	if err := s.acquire(); err != nil {
		return err
	}
	defer s.life.RUnlock()

	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	b := s.db.NewBatch()
	defer b.Close()
	if err := b.DeleteRange(logKey(min), logKeyEnd(max), nil); err != nil {
		return fmt.Errorf("raftlog: delete logs %d..%d: %w", min, max, err)
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("raftlog: delete logs %d..%d: %w", min, max, err)
	}

	s.idxMu.RLock()
	first, last := s.first, s.last
	s.idxMu.RUnlock()
	switch {
	case first == 0 || max < first || min > last || (min > first && max < last):
		return nil // no stored bound was removed
	case min <= first && max >= last:
		first, last = 0, 0
	default:
		// The range cut off one end; find the new bound past any gap.
		var err error
		if first, last, err = s.scanBounds(); err != nil {
			return fmt.Errorf("raftlog: delete logs %d..%d: %w", min, max, err)
		}
	}
	s.idxMu.Lock()
	s.first, s.last = first, last
	s.idxMu.Unlock()
	return nil
}
