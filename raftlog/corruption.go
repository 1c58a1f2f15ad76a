package raftlog

import (
	"fmt"
	"log/slog"
	"os"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
)

// CorruptFile is one file Pebble reported corrupt, with the key range it
// covers and Pebble's reason.
type CorruptFile struct {
	Path     string
	Smallest []byte
	Largest  []byte
	Reason   string
}

// Health is the corruption state of the store since Open.
type Health struct {
	CorruptFiles     []CorruptFile
	BackgroundErrors uint64
	// ReadErrors counts reads that failed with a corruption error.
	ReadErrors uint64
}

// corruptionTracker records Pebble's DataCorruption and BackgroundError
// events. Without a DataCorruption listener Pebble calls Logger.Fatalf on
// the first corrupt block it reads, which panicked and crash-looped the
// node; with it the read returns an error the store maps to ErrCorrupt.
type corruptionTracker struct {
	log      *slog.Logger
	mu       sync.Mutex
	files    map[string]CorruptFile
	bgErrors atomic.Uint64
	reads    atomic.Uint64
}

func newCorruptionTracker(log *slog.Logger) *corruptionTracker {
	return &corruptionTracker{log: log, files: map[string]CorruptFile{}}
}

func (t *corruptionTracker) listener() *pebble.EventListener {
	return &pebble.EventListener{
		DataCorruption: func(info pebble.DataCorruptionInfo) {
			// Called synchronously in read paths: record and log, never block.
			t.mu.Lock()
			_, seen := t.files[info.Path]
			if !seen {
				t.files[info.Path] = CorruptFile{
					Path:     info.Path,
					Smallest: append([]byte(nil), info.Bounds.Start...),
					Largest:  append([]byte(nil), info.Bounds.End.Key...),
					Reason:   fmt.Sprint(info.Details),
				}
			}
			t.mu.Unlock()
			if !seen {
				t.log.Error("raftlog: corrupt sstable", "file", info.Path,
					"start", fmt.Sprintf("%x", info.Bounds.Start), "end", fmt.Sprintf("%x", info.Bounds.End.Key),
					"reason", fmt.Sprint(info.Details))
			}
		},
		BackgroundError: func(err error) {
			t.bgErrors.Add(1)
			t.log.Error("raftlog: pebble background error", "err", err)
		},
	}
}

// wrap maps a Pebble corruption error to ErrCorrupt (and counts it); other
// errors pass through.
func (t *corruptionTracker) wrap(err error) error {
	if err == nil || !pebble.IsCorruptionError(err) {
		return err
	}
	t.reads.Add(1)
	return fmt.Errorf("%w: %w", ErrCorrupt, err)
}

func (t *corruptionTracker) health() Health {
	t.mu.Lock()
	files := make([]CorruptFile, 0, len(t.files))
	for _, f := range t.files {
		files = append(files, f)
	}
	t.mu.Unlock()
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return Health{CorruptFiles: files, BackgroundErrors: t.bgErrors.Load(), ReadErrors: t.reads.Load()}
}

// Health reports the corrupt files, background errors and corrupt reads
// seen since Open.
func (s *Store) Health() Health { return s.ct.health() }

// Corrupt reports whether any corruption was seen since Open: the log or
// stable store may have lost acknowledged data, so the node must not vote
// or count toward a quorum (see doc.go, "Raft-side corruption").
func (s *Store) Corrupt() bool {
	h := s.ct.health()
	return len(h.CorruptFiles) > 0 || h.ReadErrors > 0
}

// fatalExit ends the process after Pebble's Fatalf; a variable so tests can
// observe it.
var fatalExit = func() { os.Exit(70) }

// pebbleLogger adapts *slog.Logger to pebble's Logger interface.
type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) {
	p.l.Info(fmt.Sprintf(format, args...), "component", "pebble")
}

func (p pebbleLogger) Errorf(format string, args ...any) {
	p.l.Error(fmt.Sprintf(format, args...), "component", "pebble")
}

// Fatalf is called by Pebble only on invariant violations it cannot
// continue from (data corruption goes to the DataCorruption listener and
// returns an error instead). Continuing would be unsafe, so the reason is
// logged and the process exits; Pebble expects Fatalf not to return.
func (p pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.l.Error("raftlog: pebble fatal, exiting: "+msg, "component", "pebble", "fatal", true)
	fatalExit()
	panic("raftlog: pebble fatal: " + msg) // only reached when fatalExit returns (tests)
}
