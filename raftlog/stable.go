package raftlog

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Set implements raft.StableStore. The write is synced before it returns.
func (s *Store) Set(key []byte, val []byte) error {
	if err := s.acquire(); err != nil {
		return err
	}
	defer s.life.RUnlock()
	if err := s.db.Set(stableKey(key), val, pebble.Sync); err != nil {
		return fmt.Errorf("raftlog: set %q: %w", key, err)
	}
	return nil
}

// Get implements raft.StableStore. A missing key returns ErrKeyNotFound
// unwrapped (message "not found", as raft expects). The result is a copy and
// is never nil on success.
func (s *Store) Get(key []byte) ([]byte, error) {
	if err := s.acquire(); err != nil {
		return nil, err
	}
	defer s.life.RUnlock()
	v, closer, err := s.db.Get(stableKey(key))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, ErrKeyNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("raftlog: get %q: %w", key, s.ct.wrap(err))
	}
	out := append(make([]byte, 0, len(v)), v...)
	if err := closer.Close(); err != nil {
		return nil, fmt.Errorf("raftlog: get %q: %w", key, s.ct.wrap(err))
	}
	return out, nil
}

// SetUint64 implements raft.StableStore: val is stored as 8 big-endian bytes
// under key (the same key space as Set). The write is synced.
func (s *Store) SetUint64(key []byte, val uint64) error {
	return s.Set(key, binary.BigEndian.AppendUint64(nil, val))
}

// GetUint64 implements raft.StableStore. A missing key returns
// ErrKeyNotFound unwrapped; a value that is not 8 bytes wraps ErrCorrupt.
func (s *Store) GetUint64(key []byte) (uint64, error) {
	v, err := s.Get(key)
	if err != nil {
		return 0, err
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("raftlog: get uint64 %q: %w: value of %d bytes", key, ErrCorrupt, len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}
