package raftmeta

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/hashicorp/raft"
)

// fsmCorruption records Pebble's corruption events on the FSM database.
// Without a DataCorruption listener Pebble calls Logger.Fatalf (a panic) on
// the first corrupt block it reads; with it the read returns an error.
type fsmCorruption struct {
	log      *slog.Logger
	files    atomic.Uint64
	bgErrors atomic.Uint64
}

func (c *fsmCorruption) listener() *pebble.EventListener {
	return &pebble.EventListener{
		DataCorruption: func(info pebble.DataCorruptionInfo) {
			c.files.Add(1)
			c.log.Error("raftmeta: corrupt fsm sstable", "file", info.Path, "reason", fmt.Sprint(info.Details))
		},
		BackgroundError: func(err error) {
			c.bgErrors.Add(1)
			c.log.Error("raftmeta: fsm pebble background error", "err", err)
		},
	}
}

func fsmOptions(fs vfs.FS, logger *slog.Logger, c *fsmCorruption) *pebble.Options {
	return &pebble.Options{FS: fs, Logger: pebbleLogger{logger}, EventListener: c.listener(),
		FormatMajorVersion: pebble.FormatWALSyncChunks}
}

// openVerified opens the FSM database and reads all of it (every block's
// checksum, and the records the FSM parses on load). It returns the reason
// when the database is damaged; err only for errors that are not
// corruption (permissions, a held lock).
func openVerified(dir string, fs vfs.FS, logger *slog.Logger, c *fsmCorruption) (db *pebble.DB, damage string, err error) {
	db, err = pebble.Open(dir, fsmOptions(fs, logger, c))
	if err != nil {
		if pebble.IsCorruptionError(err) {
			return nil, err.Error(), nil
		}
		return nil, "", fmt.Errorf("raftmeta: open fsm %s: %w", dir, err)
	}
	if _, err := stateHash(db); err != nil {
		_ = db.Close()
		return nil, fmt.Sprintf("read fsm: %v", err), nil
	}
	if err := db.Flush(); err != nil { // rotate to a WAL with sync chunks (see raftlog)
		_ = db.Close()
		return nil, fmt.Sprintf("flush fsm: %v", err), nil
	}
	return db, "", nil
}

// quarantineDir moves a damaged database directory aside and returns where.
func quarantineDir(fs vfs.FS, dir string) (string, error) {
	q := fmt.Sprintf("%s.damaged-%s", dir, time.Now().UTC().Format("20060102T150405.000000000Z"))
	if err := fs.Rename(dir, q); err != nil {
		return "", fmt.Errorf("raftmeta: quarantine %s: %w", dir, err)
	}
	d, err := fs.OpenDir(fs.PathDir(dir))
	if err != nil {
		return q, err
	}
	return q, errors.Join(d.Sync(), d.Close())
}

// hidingSnapshots is the snapshot store raft sees when local snapshots are
// unusable: List leaves them out, so raft neither trusts their index nor
// sends them to followers; new snapshots (taken, or installed by the
// leader) are visible. The hidden files stay until raft reaps them.
type hidingSnapshots struct {
	raft.SnapshotStore
	hidden map[string]bool
}

func (h hidingSnapshots) List() ([]*raft.SnapshotMeta, error) {
	metas, err := h.SnapshotStore.List()
	out := metas[:0:0]
	for _, m := range metas {
		if !h.hidden[m.ID] {
			out = append(out, m)
		}
	}
	return out, err
}

func (h hidingSnapshots) Open(id string) (*raft.SnapshotMeta, io.ReadCloser, error) {
	if h.hidden[id] {
		return nil, nil, fmt.Errorf("%w: local snapshot %s is unusable", ErrBadSnapshot, id)
	}
	return h.SnapshotStore.Open(id)
}

// coverSnapshot makes the FSM hold at least the state of the newest local
// snapshot, which raft assumes with NoSnapshotRestoreOnStart (it replays
// only entries after the snapshot). An FSM behind it (rebuilt empty after
// damage, or one that lost writes the snapshot covers) is restored from it.
// If that snapshot cannot be restored, every snapshot newer than the FSM is
// hidden and logDiscard is true: the local log may start after the FSM's
// state, so the caller must discard it and let the leader send everything
// (an InstallSnapshot, or entries from the start).
func coverSnapshot(f *fsm, snaps raft.SnapshotStore, log *slog.Logger) (store raft.SnapshotStore, logDiscard bool, reason string) {
	metas, err := snaps.List()
	if err != nil || len(metas) == 0 || f.applied.Load() >= metas[0].Index {
		return snaps, false, ""
	}
	newest := metas[0]
	_, rc, err := snaps.Open(newest.ID)
	if err == nil {
		err = f.Restore(rc)
	}
	if err == nil {
		log.Warn("raftmeta: fsm restored from the local snapshot; the log after it is replayed",
			"snapshot", newest.ID, "index", newest.Index)
		return snaps, false, ""
	}
	hidden := map[string]bool{}
	for _, m := range metas {
		if m.Index > f.applied.Load() {
			hidden[m.ID] = true
		}
	}
	reason = fmt.Sprintf("fsm at index %d is behind local snapshot %s (index %d), which cannot be restored: %v",
		f.applied.Load(), newest.ID, newest.Index, err)
	log.Error("raftmeta: "+reason+"; discarding the local log, the leader sends a snapshot", "hidden", len(hidden))
	return hidingSnapshots{SnapshotStore: snaps, hidden: hidden}, true, reason
}
