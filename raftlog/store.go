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

	dmu    sync.Mutex
	damage *Damage // persisted under damageKey; nil when healthy

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

// Open opens (creating if needed) the store in cfg.Dir on cfg.FS, verifies
// every record (see "Damage at open" in doc.go) and loads the first and
// last log index. A store found damaged is rebuilt from what can be trusted
// and reports it through Damage until ClearDamage; Open fails only on errors
// that are not corruption (permissions, a held lock, a full disk).
func Open(cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if err := finishRebuild(cfg.FS, cfg.Dir); err != nil {
		return nil, fmt.Errorf("raftlog: open %s: %w", cfg.Dir, err)
	}
	ct := newCorruptionTracker(cfg.Logger)
	db, sv, err := openScan(cfg, ct)
	if err != nil {
		return nil, fmt.Errorf("raftlog: open %s: %w", cfg.Dir, err)
	}
	if sv.logBad || sv.stableBad {
		if db != nil {
			_ = db.Close()
		}
		d, err := rebuild(cfg, pebbleOptions(cfg, newCorruptionTracker(cfg.Logger)), sv)
		if err != nil {
			return nil, fmt.Errorf("raftlog: rebuild damaged %s: %w", cfg.Dir, err)
		}
		cfg.Logger.Error("raftlog: damaged store rebuilt; this node refuses to vote until it has caught up from the leader",
			"dir", cfg.Dir, "log_damaged", d.Log, "stable_damaged", d.Stable, "reason", d.Reason,
			"kept_first", d.KeptFirst, "kept_last", d.KeptLast, "quarantine", d.Quarantine)
		ct = newCorruptionTracker(cfg.Logger)
		db, err = pebble.Open(cfg.Dir, pebbleOptions(cfg, ct))
		if err != nil {
			return nil, fmt.Errorf("raftlog: open rebuilt %s: %w", cfg.Dir, err)
		}
		if sv = scan(db, ct, false); sv.logBad || sv.stableBad {
			_ = db.Close()
			return nil, fmt.Errorf("raftlog: rebuilt %s is damaged: %s: %w", cfg.Dir, sv.reason, ErrCorrupt)
		}
	}
	// Pebble creates the WAL of an Open before it ratchets the format, so
	// that WAL has no sync chunks: rotate to one that has.
	if err := db.Flush(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("raftlog: open %s: rotate WAL: %w", cfg.Dir, ct.wrap(err))
	}
	s := &Store{db: db, logger: cfg.Logger, dir: cfg.Dir, ct: ct, damage: sv.prior}
	s.first, s.last = sv.first, sv.last
	s.logger.Debug("raftlog opened", "dir", cfg.Dir, "first", s.first, "last", s.last)
	return s, nil
}

func pebbleOptions(cfg Config, ct *corruptionTracker) *pebble.Options {
	return &pebble.Options{
		FS:            cfg.FS,
		Logger:        pebbleLogger{l: cfg.Logger},
		EventListener: ct.listener(),
		// WAL sync chunks record how far the WAL was synced, so a damaged
		// record before that offset fails Open as corruption instead of
		// being replayed as a torn tail (which silently drops every later,
		// acknowledged, entry). Existing stores are ratcheted up.
		FormatMajorVersion: pebble.FormatWALSyncChunks,
	}
}

// openScan opens Pebble and scans every record. A corrupt WAL keeps Pebble
// from opening: the WAL files are moved aside and what the tables hold is
// salvaged (the WAL may have held newer log entries and term/vote writes,
// so both count as damaged). A database that cannot be opened even so is
// salvaged as nothing.
func openScan(cfg Config, ct *corruptionTracker) (*pebble.DB, *salvage, error) {
	walDamage, err := checkWAL(cfg.FS, cfg.Dir)
	if err != nil {
		return nil, nil, err
	}
	var db *pebble.DB
	if walDamage != "" {
		err = fmt.Errorf("%w: %s", ErrCorrupt, walDamage)
	} else {
		db, err = pebble.Open(cfg.Dir, pebbleOptions(cfg, ct))
	}
	if err == nil {
		sv := scan(db, ct, false)
		if sv.logBad || sv.stableBad {
			sv = scan(db, ct, true)
		}
		return db, sv, nil
	}
	if walDamage == "" && !pebble.IsCorruptionError(err) {
		return nil, nil, err
	}
	cfg.Logger.Error("raftlog: corrupt store, moving its WAL aside", "dir", cfg.Dir, "err", err)
	if _, qerr := quarantineWALs(cfg.FS, cfg.Dir); qerr != nil {
		cfg.Logger.Error("raftlog: moving the WAL aside failed", "dir", cfg.Dir, "err", qerr)
	}
	var sv *salvage
	db, err2 := pebble.Open(cfg.Dir, pebbleOptions(cfg, ct))
	if err2 != nil {
		cfg.Logger.Error("raftlog: corrupt store cannot be opened without its WAL either; nothing is kept", "dir", cfg.Dir, "err", err2)
		db, sv = nil, &salvage{}
	} else {
		sv = scan(db, ct, true)
	}
	sv.logBad, sv.stableBad = true, true
	sv.reason = fmt.Sprintf("corrupt store: %v", err)
	return db, sv, nil
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
