package raftlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"

	"github.com/cockroachdb/pebble/v2"
	"github.com/hashicorp/raft"
)

// Compile-time checks of the raft interfaces *Store implements.
var (
	_ raft.LogStore          = (*Store)(nil)
	_ raft.StableStore       = (*Store)(nil)
	_ raft.MonotonicLogStore = (*Store)(nil)
)

const (
	prefixLog    byte = 'l'
	prefixStable byte = 's'
	logKeyLen         = 9
)

// Store is a raft.LogStore and raft.StableStore on one Pebble database.
type Store struct {
	db     *pebble.DB
	logger *slog.Logger
	dir    string
	ct     *corruptionTracker

	// life guards db against Close: methods hold RLock, Close holds Lock.
	life   sync.RWMutex
	closed bool

	// writeMu serialises log writes so the index cache follows commit order.
	writeMu sync.Mutex

	// idxMu guards first and last, the cached bounds of the stored log keys
	// (0, 0 when there are none).
	idxMu       sync.RWMutex
	first, last uint64
}

// Open opens (creating if needed) the store in cfg.Dir on cfg.FS and loads
// the first and last log index.
func Open(cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	ct := newCorruptionTracker(cfg.Logger)
	opts := &pebble.Options{
		FS:            cfg.FS,
		Logger:        pebbleLogger{l: cfg.Logger},
		EventListener: ct.listener(),
	}
	db, err := pebble.Open(cfg.Dir, opts)
	if err != nil {
		return nil, fmt.Errorf("raftlog: open %s: %w", cfg.Dir, ct.wrap(err))
	}
	s := &Store{db: db, logger: cfg.Logger, dir: cfg.Dir, ct: ct}
	first, last, err := s.scanBounds()
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("raftlog: open %s: %w", cfg.Dir, ct.wrap(err))
	}
	s.first, s.last = first, last
	s.logger.Debug("raftlog opened", "dir", cfg.Dir, "first", first, "last", last)
	return s, nil
}

// Close closes the Pebble database. It is idempotent; afterwards every
// method returns ErrClosed.
func (s *Store) Close() error {
	s.life.Lock()
	defer s.life.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("raftlog: close %s: %w", s.dir, err)
	}
	return nil
}

// acquire takes the read side of the lifecycle lock; the caller must call
// s.life.RUnlock when it returns nil.
func (s *Store) acquire() error {
	s.life.RLock()
	if s.closed {
		s.life.RUnlock()
		return ErrClosed
	}
	return nil
}

// IsMonotonic implements raft.MonotonicLogStore: removing all logs is one
// range tombstone, so raft may clear the log after a snapshot restore.
func (s *Store) IsMonotonic() bool { return true }

func logKey(index uint64) []byte {
	k := make([]byte, logKeyLen)
	k[0] = prefixLog
	binary.BigEndian.PutUint64(k[1:], index)
	return k
}

// logKeyEnd is the exclusive upper bound of log key max (inclusive).
func logKeyEnd(max uint64) []byte {
	if max == math.MaxUint64 {
		return []byte{prefixLog + 1}
	}
	return logKey(max + 1)
}

func parseLogKey(k []byte) (uint64, error) {
	if len(k) != logKeyLen || k[0] != prefixLog {
		return 0, fmt.Errorf("%w: log key %x", ErrCorrupt, k)
	}
	return binary.BigEndian.Uint64(k[1:]), nil
}

// scanBounds reads the smallest and largest stored log index from Pebble.
func (s *Store) scanBounds() (first, last uint64, err error) {
	it, err := s.db.NewIter(&pebble.IterOptions{
		LowerBound: []byte{prefixLog},
		UpperBound: []byte{prefixLog + 1},
	})
	if err != nil {
		return 0, 0, fmt.Errorf("iterate logs: %w", err)
	}
	if it.First() {
		if first, err = parseLogKey(it.Key()); err == nil && it.Last() {
			last, err = parseLogKey(it.Key())
		}
	}
	err = errors.Join(err, it.Error(), it.Close())
	if err != nil {
		return 0, 0, fmt.Errorf("scan log bounds: %w", err)
	}
	return first, last, nil
}

func stableKey(key []byte) []byte {
	k := make([]byte, 1+len(key))
	k[0] = prefixStable
	copy(k[1:], key)
	return k
}
