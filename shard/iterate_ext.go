package shard

import (
	"context"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Write order for garbage collection's grace period.
//
// Every Put (including a replacing one) stores the shard under a fresh data
// sequence number, assigned in write order. HighSeq is the persisted
// high-water mark: every shard committed before the call has Seq < HighSeq,
// and every shard committed after it has Seq >= HighSeq. A caller that
// samples HighSeq over time can therefore tell whether a shard was written
// before some moment without a per-shard timestamp.

// SeqInfo is Info plus the shard's write sequence number.
type SeqInfo struct {
	Info
	Seq uint64
}

// HighSeq returns the persisted data sequence high-water mark (see above).
func (s *Store) HighSeq() (uint64, error) {
	v, closer, err := s.db.Get(metaNextSeq)
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("shard: high seq: %w", err)
	}
	defer closer.Close()
	if len(v) != 8 {
		return 0, fmt.Errorf("shard: high seq %x: %w", v, ErrBadKey)
	}
	return beUint64(v), nil
}

// IterateSeq is Iterate with each shard's write sequence number.
func (s *Store) IterateSeq(ctx context.Context, fn func(Key, SeqInfo) error) error {
	return s.IterateSeqAfter(ctx, nil, fn)
}

// IterateSeqAfter is IterateSeq starting after key (from the first shard
// when after is nil), so long walks can release the snapshot in between.
func (s *Store) IterateSeqAfter(ctx context.Context, after *Key, fn func(Key, SeqInfo) error) error {
	lower := []byte{prefixIndex}
	if after != nil {
		lower = append(indexKey(*after), 0)
	}
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: []byte{prefixIndex + 1}})
	if err != nil {
		return fmt.Errorf("shard: iterate: %w", err)
	}
	defer it.Close()
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		if n++; n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("shard: iterate: %w", err)
			}
		}
		k, err := parseIndexKey(it.Key())
		if err != nil {
			return fmt.Errorf("shard: iterate: %w", err)
		}
		e, err := decodeIndexValue(it.Value())
		if err != nil {
			return fmt.Errorf("shard: iterate %s: %w", k, err)
		}
		if err := fn(k, SeqInfo{Info: e.info, Seq: e.seq}); err != nil {
			return err
		}
	}
	return it.Error()
}
