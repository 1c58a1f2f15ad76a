package shard

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"github.com/datamon-io/datamon/erasure"
)

// Get returns the shard k, verified against its checksum and key.
func (s *Store) Get(ctx context.Context, k Key) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("shard: get %s: %w", k, err)
		}
		e, err := s.lookup(k)
		if errors.Is(err, ErrCorrupt) {
			return nil, s.corruptf(k, "%v", err)
		}
		if err != nil {
			return nil, fmt.Errorf("shard: get %s: %w", k, err)
		}
		b, err := s.getCopy(dataKey(e.seq))
		if errors.Is(err, pebble.ErrNotFound) {
			// A concurrent Delete or replacing Put may have dropped the data
			// between our two reads; only a stable index makes it corruption.
			if again, lerr := s.lookup(k); attempt < 3 && (lerr != nil || again != e) {
				continue
			}
			return nil, s.corruptf(k, "index points at missing data seq %d", e.seq)
		}
		if errors.Is(err, ErrCorrupt) {
			return nil, s.corruptf(k, "%v", err)
		}
		if err != nil {
			return nil, fmt.Errorf("shard: get %s: %w", k, err)
		}
		h, _, perr := erasure.ParseShard(b)
		if perr != nil {
			return nil, s.corruptf(k, "%v", perr)
		}
		if h.ChunkID != k.Chunk || h.Index != k.Index {
			return nil, s.corruptf(k, "stored header names %x/%d", h.ChunkID, h.Index)
		}
		return b, nil
	}
}

func (s *Store) corruptf(k Key, format string, args ...any) error {
	s.corrupt.Add(1)
	msg := fmt.Sprintf(format, args...)
	s.log.Warn("shard: corrupt shard detected", "key", k.String(), "reason", msg)
	return fmt.Errorf("shard: get %s: %s: %w", k, msg, ErrCorrupt)
}

// Stat returns what the index records about shard k (no data read).
func (s *Store) Stat(ctx context.Context, k Key) (Info, error) {
	if err := ctx.Err(); err != nil {
		return Info{}, fmt.Errorf("shard: stat %s: %w", k, err)
	}
	e, err := s.lookup(k)
	if err != nil {
		return Info{}, fmt.Errorf("shard: stat %s: %w", k, err)
	}
	return e.info, nil
}

// Has reports for each key whether the store holds it (index only).
func (s *Store) Has(ctx context.Context, keys []Key) ([]bool, error) {
	out := make([]bool, len(keys))
	for i, k := range keys {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("shard: has: %w", err)
			}
		}
		_, err := s.lookup(k)
		switch {
		case err == nil:
			out[i] = true
		case !errors.Is(err, ErrNotFound):
			return nil, fmt.Errorf("shard: has %s: %w", k, err)
		}
	}
	return out, nil
}

// Iterate calls fn for every shard in key order (chunk ID, then index) over
// a consistent snapshot. An error from fn stops the walk and is returned.
func (s *Store) Iterate(ctx context.Context, fn func(Key, Info) error) error {
	return s.IterateSeqAfter(ctx, nil, func(k Key, in SeqInfo) error { return fn(k, in.Info) })
}

// lookup reads and decodes k's index entry: ErrNotFound, ErrCorrupt.
func (s *Store) lookup(k Key) (indexEntry, error) {
	v, err := s.getCopy(indexKey(k))
	if errors.Is(err, pebble.ErrNotFound) {
		return indexEntry{}, ErrNotFound
	}
	if err != nil {
		return indexEntry{}, err
	}
	e, err := decodeIndexValue(v)
	if err != nil {
		return indexEntry{}, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return e, nil
}

// getCopy returns a copy of the value under key.
func (s *Store) getCopy(key []byte) ([]byte, error) {
	v, closer, err := s.db.Get(key)
	if err != nil {
		if errors.Is(err, pebble.ErrNotFound) || errors.Is(err, pebble.ErrClosed) {
			return nil, err
		}
		// A bad block, or the disk failing the read (EIO): the bytes are not
		// available here, never served; the chunk is reconstructed elsewhere.
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	out := bytes.Clone(v)
	if out == nil {
		out = []byte{}
	}
	return out, closer.Close()
}
