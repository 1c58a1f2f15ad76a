package shard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// StoreConfig configures a Store.
type StoreConfig struct {
	Dir    string       // Pebble directory (created if missing)
	FS     vfs.FS       // nil → vfs.Default; tests use vfs.NewMem()
	Logger *slog.Logger // nil → discard
	Cache  int64        // Pebble block cache bytes
	// MaxBatchBytes caps the shard bytes one group commit writes into one
	// ingested sstable.
	MaxBatchBytes int
	// MaxBatchDelay is how long the writer waits for more Puts after the
	// first one of a batch when the batch is below MaxBatchBytes. Zero: no
	// waiting; batches form naturally from Puts that queue while the
	// previous batch commits.
	MaxBatchDelay time.Duration
	// QueueLen is the depth of the writer's request queue.
	QueueLen int
	// Parallelism is how many batches may be in flight: their sstables are
	// built and fsynced concurrently (the disk needs parallel streams to
	// reach its ceiling); ingestion and index commits stay in order.
	Parallelism int
}

// DefaultConfig returns the tunables' defaults (Dir and FS left empty).
func DefaultConfig() StoreConfig {
	return StoreConfig{Cache: 64 << 20, MaxBatchBytes: 16 << 20, MaxBatchDelay: time.Millisecond, QueueLen: 256, Parallelism: 2}
}

// Validate checks the config.
func (c StoreConfig) Validate() error {
	switch {
	case c.Dir == "":
		return fmt.Errorf("%w: empty Dir", ErrBadConfig)
	case c.MaxBatchBytes <= 0 || c.QueueLen <= 0 || c.Cache < 0 || c.MaxBatchDelay < 0 || c.Parallelism <= 0:
		return fmt.Errorf("%w: MaxBatchBytes %d, QueueLen %d, Cache %d, MaxBatchDelay %s, Parallelism %d",
			ErrBadConfig, c.MaxBatchBytes, c.QueueLen, c.Cache, c.MaxBatchDelay, c.Parallelism)
	}
	return nil
}

// StoreStats are a Store's counters.
type StoreStats struct {
	Shards          int64  // shards held
	Bytes           int64  // bytes of shards held
	CorruptDetected uint64 // reads that found a corrupt shard
	Puts            uint64 // acknowledged Puts (including idempotent re-puts)
	Deletes         uint64 // Deletes of present shards
	Batches         uint64 // batches written (one sstable each)
	Commits         uint64 // Ingest + synced index commits (one or more batches each)
	IngestedBytes   uint64 // shard bytes written through ingested sstables
	CorruptFiles    uint64 // sstables Pebble reported corrupt since Open (see CorruptFiles)
	BackgroundErrs  uint64 // Pebble background errors (failed flushes/compactions) since Open
}

// Store is the node-local shard store. See the package doc.
type Store struct {
	cfg    StoreConfig
	log    *slog.Logger
	db     *pebble.DB
	ingest string // directory for sstables awaiting ingestion

	reqs    chan *request
	stop    chan struct{}
	done    chan struct{}
	closeMu sync.RWMutex // held for reading while enqueueing; Close takes it to stop
	closed  bool

	ovMu    sync.Mutex
	overlay map[Key]pending // index state written by in-flight batches
	// planEpoch advances after a failed batch is retired from the overlay:
	// a batch planned in an earlier epoch may rest on the failed one.
	planEpoch atomic.Uint64

	shards, bytes               atomic.Int64
	corrupt, puts, dels, batchN atomic.Uint64
	commits                     atomic.Uint64
	ingested                    atomic.Uint64

	gate    *syncGate // trips on the first failed fsync: writes refused until reopened
	ct      corruptionTracker
	missing map[string]bool // placeholder files created at Open for missing tables
}

// Open opens (creating if needed) the store in cfg.Dir. Zero tunables take
// their DefaultConfig values (MaxBatchDelay: zero means no waiting).
func Open(cfg StoreConfig) (*Store, error) {
	def := DefaultConfig()
	if cfg.MaxBatchBytes == 0 {
		cfg.MaxBatchBytes = def.MaxBatchBytes
	}
	if cfg.QueueLen == 0 {
		cfg.QueueLen = def.QueueLen
	}
	if cfg.Cache == 0 {
		cfg.Cache = def.Cache
	}
	if cfg.Parallelism == 0 {
		cfg.Parallelism = def.Parallelism
	}
	if cfg.FS == nil {
		cfg.FS = vfs.Default
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	gate := &syncGate{FS: cfg.FS}
	cfg.FS = gate
	s := &Store{cfg: cfg, log: cfg.Logger, gate: gate, ingest: cfg.FS.PathJoin(cfg.Dir, "ingest"), overlay: map[Key]pending{}}
	s.ct.files = map[string]CorruptFile{}
	s.missing = map[string]bool{}
	if err := s.prepareIngestDir(); err != nil {
		return nil, fmt.Errorf("shard: open %s: %w", cfg.Dir, err)
	}
	cache := pebble.NewCache(cfg.Cache)
	defer cache.Unref()
	opts := &pebble.Options{
		FS:                 cfg.FS,
		Cache:              cache,
		FormatMajorVersion: pebble.FormatNewest,
		Logger:             pebbleLogger{cfg.Logger},
		EventListener:      s.eventListener(),
	}
	opts.EnsureDefaults()
	db, err := s.openPebble(opts)
	if err != nil {
		return nil, fmt.Errorf("shard: open %s: %w", cfg.Dir, err)
	}
	s.db = db
	badIndex, err := s.checkTables(opts.MakeReaderOptions())
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("shard: open %s: check tables: %w", cfg.Dir, err)
	}
	if err := s.rebuildIndex(badIndex); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("shard: open %s: %w", cfg.Dir, err)
	}
	next, err := s.recover()
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("shard: open %s: %w", cfg.Dir, err)
	}
	s.reqs = make(chan *request, cfg.QueueLen)
	s.stop = make(chan struct{})
	s.done = make(chan struct{})
	go s.writeLoop(next)
	return s, nil
}

// prepareIngestDir creates the staging directory and removes sstables left
// there by a crash before their ingestion (their shards were never acked).
func (s *Store) prepareIngestDir() error {
	fs := s.cfg.FS
	if err := fs.MkdirAll(s.ingest, 0o755); err != nil {
		return err
	}
	names, err := fs.List(s.ingest)
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := fs.Remove(fs.PathJoin(s.ingest, n)); err != nil {
			return err
		}
	}
	return nil
}

// recover computes the counters and the next data sequence number, and
// drops data keys above the persisted high-water mark: shards ingested by a
// batch whose index commit did not survive a crash (never acknowledged).
func (s *Store) recover() (uint64, error) {
	var next uint64
	v, closer, err := s.db.Get(metaNextSeq)
	switch {
	case err == nil:
		if len(v) == 8 {
			next = beUint64(v)
		}
		_ = closer.Close()
	case !errors.Is(err, pebble.ErrNotFound):
		return 0, err
	}
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixData}, UpperBound: []byte{prefixData + 1}})
	if err != nil {
		return 0, err
	}
	if it.Last() {
		if last, err := parseDataKey(it.Key()); err == nil && last >= next {
			s.log.Warn("shard: dropping unindexed data from an interrupted batch", "from", next, "to", last)
			if err := s.db.DeleteRange(dataKey(next), dataKey(last+1), pebble.Sync); err != nil {
				_ = it.Close()
				return 0, err
			}
			next = last + 1
		}
	}
	if err := it.Close(); err != nil {
		if !pebble.IsCorruptionError(err) {
			return 0, err
		}
		// The last data block is unreadable: keep the persisted high-water
		// mark (orphans above it, if any, stay until their file is repaired).
		s.log.Error("shard: open: corrupt data at the end of the store; serving what is readable", "err", err)
	}
	err = s.Iterate(context.Background(), func(_ Key, in Info) error {
		s.shards.Add(1)
		s.bytes.Add(int64(in.Size))
		return nil
	})
	if err != nil && pebble.IsCorruptionError(err) {
		// Counts cover the readable part of the index; reads of the rest
		// return ErrCorrupt. Corruption never keeps the node from starting.
		s.log.Error("shard: open: corrupt index block; shard counts are partial", "err", err)
		err = nil
	}
	return next, err
}

// Stats returns the store's counters.
func (s *Store) Stats() StoreStats {
	return StoreStats{
		Shards: s.shards.Load(), Bytes: s.bytes.Load(), CorruptDetected: s.corrupt.Load(),
		Puts: s.puts.Load(), Deletes: s.dels.Load(), Batches: s.batchN.Load(), Commits: s.commits.Load(), IngestedBytes: s.ingested.Load(),
		CorruptFiles: s.ct.count(), BackgroundErrs: s.ct.bgErrors.Load(),
	}
}

// Close stops the writer (pending Puts and Deletes fail with ErrClosed) and
// closes Pebble. It is safe to call more than once.
func (s *Store) Close() error {
	s.closeMu.Lock()
	if s.closed {
		s.closeMu.Unlock()
		return nil
	}
	s.closed = true
	close(s.stop)
	s.closeMu.Unlock()
	<-s.done
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("shard: close: %w", err)
	}
	return nil
}

func beUint64(b []byte) uint64 {
	var v uint64
	for _, x := range b[:8] {
		v = v<<8 | uint64(x)
	}
	return v
}

// pebbleLogger routes Pebble's log lines to slog.
type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) {
	p.l.Debug("pebble: " + fmt.Sprintf(format, args...))
}
func (p pebbleLogger) Errorf(format string, args ...any) {
	p.l.Error("pebble: " + fmt.Sprintf(format, args...))
}
func (p pebbleLogger) Fatalf(format string, args ...any) {
	// Reached only where Pebble cannot continue safely (data corruption goes
	// to the event listener instead); the reason is logged before the panic.
	p.l.Error("pebble: fatal: " + fmt.Sprintf(format, args...))
	panic(fmt.Sprintf(format, args...))
}
