package raftlog

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/hashicorp/raft"
)

// Damage is what Open found wrong with the store and what it discarded. It
// is persisted (stable key damageKey) until ClearDamage, so a restart before
// the node has caught up from the leader still knows it must not vote.
type Damage struct {
	// Log: log entries the node may have acknowledged were discarded (the
	// suffix from the first unreadable entry, or the whole log).
	Log bool `json:"log"`
	// Stable: the stable store (CurrentTerm, LastVoteTerm, LastVoteCand) was
	// unreadable, or may be older than what the node acknowledged.
	Stable bool `json:"stable"`
	// Reason is the first error found, for the log and the status.
	Reason string `json:"reason"`
	// KeptFirst..KeptLast is the log prefix that was kept (0, 0: none).
	KeptFirst uint64 `json:"kept_first"`
	KeptLast  uint64 `json:"kept_last"`
	// Quarantine is where the damaged database was moved.
	Quarantine string    `json:"quarantine"`
	At         time.Time `json:"at"`
}

// damageKey is the stable-store key of the persisted Damage. hashicorp/raft
// only uses CurrentTerm, LastVoteTerm and LastVoteCand.
var damageKey = stableKey([]byte("datamon/damage"))

// salvage is what a scan of the database could read and trust.
type salvage struct {
	stable     [][2][]byte // stable records except damageKey
	logs       [][2][]byte // log records first..last, all valid
	first      uint64
	last       uint64
	logBad     bool
	stableBad  bool
	reason     string
	prior      *Damage // an earlier Damage not yet cleared
	priorError error
}

func (sv *salvage) fail(stable bool, err error) {
	if stable {
		sv.stableBad = true
	} else {
		sv.logBad = true
	}
	if sv.reason == "" {
		sv.reason = err.Error()
	}
}

// scan reads every record of db (so every block's checksum is verified):
// log records must decode and hold the index of their key; the log is
// trusted up to the first one that does not. keep retains the records.
func scan(db *pebble.DB, ct *corruptionTracker, keep bool) *salvage {
	sv := &salvage{}
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixLog}, UpperBound: []byte{prefixLog + 1}})
	if err != nil {
		sv.fail(false, ct.wrap(err))
		return sv
	}
	for ok := it.First(); ok; ok = it.Next() {
		idx, err := parseLogKey(it.Key())
		if err == nil {
			err = checkRecord(idx, it.Value())
		}
		if err != nil {
			sv.fail(false, fmt.Errorf("log entry after %d: %w", sv.last, err))
			break
		}
		if sv.first == 0 {
			sv.first = idx
		}
		sv.last = idx
		if keep {
			sv.logs = append(sv.logs, [2][]byte{clone(it.Key()), clone(it.Value())})
		}
	}
	if err := errors.Join(it.Error(), it.Close()); err != nil {
		sv.fail(false, fmt.Errorf("log after entry %d: %w", sv.last, ct.wrap(err)))
	}
	it, err = db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixStable}, UpperBound: []byte{prefixStable + 1}})
	if err != nil {
		sv.fail(true, ct.wrap(err))
		return sv
	}
	for ok := it.First(); ok; ok = it.Next() {
		if string(it.Key()) == string(damageKey) {
			var d Damage
			if err := json.Unmarshal(it.Value(), &d); err != nil {
				sv.priorError = err
				d = Damage{Log: true, Stable: true, Reason: "unreadable damage record: " + err.Error()}
			}
			sv.prior = &d
			continue
		}
		if keep {
			sv.stable = append(sv.stable, [2][]byte{clone(it.Key()), clone(it.Value())})
		}
	}
	if err := errors.Join(it.Error(), it.Close()); err != nil {
		sv.fail(true, fmt.Errorf("stable store: %w", ct.wrap(err)))
	}
	return sv
}

func checkRecord(idx uint64, v []byte) error {
	var l raft.Log
	if err := decodeLog(v, &l); err != nil {
		return fmt.Errorf("entry %d: %w", idx, err)
	}
	if l.Index != idx {
		return fmt.Errorf("entry %d: %w: record holds index %d", idx, ErrCorrupt, l.Index)
	}
	return nil
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// rebuild writes what sv salvaged (plus the Damage record, in the same
// synced batch) into a new database beside dir, moves the damaged one to a
// quarantine directory and the new one into dir. A crash at any point leaves
// either the old database in dir (rebuild is redone) or the new one
// (finishRebuild completes the last rename).
func rebuild(cfg Config, opts *pebble.Options, sv *salvage) (*Damage, error) {
	fs, dir := cfg.FS, cfg.Dir
	tmp := dir + ".rebuild"
	if err := fs.RemoveAll(tmp); err != nil {
		return nil, fmt.Errorf("remove stale %s: %w", tmp, err)
	}
	d := &Damage{Log: sv.logBad, Stable: sv.stableBad, Reason: sv.reason, At: time.Now().UTC()}
	if sv.prior != nil { // damage found again before the last one was repaired
		d.Log, d.Stable = d.Log || sv.prior.Log, d.Stable || sv.prior.Stable
		d.Reason = sv.reason + "; earlier: " + sv.prior.Reason
	}
	if len(sv.logs) > 0 {
		d.KeptFirst, d.KeptLast = sv.first, sv.last
	}
	d.Quarantine = fmt.Sprintf("%s.damaged-%s", dir, d.At.Format("20060102T150405.000000000Z"))
	ndb, err := pebble.Open(tmp, opts)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", tmp, err)
	}
	b := ndb.NewBatch()
	for _, kv := range sv.stable {
		_ = b.Set(kv[0], kv[1], nil)
	}
	for _, kv := range sv.logs {
		_ = b.Set(kv[0], kv[1], nil)
	}
	js, _ := json.Marshal(d)
	_ = b.Set(damageKey, js, nil)
	err = b.Commit(pebble.Sync)
	_ = b.Close()
	if err = errors.Join(err, ndb.Close()); err != nil {
		return nil, fmt.Errorf("write %s: %w", tmp, err)
	}
	if _, err := fs.Stat(dir); err == nil {
		if err := fs.Rename(dir, d.Quarantine); err != nil {
			return nil, fmt.Errorf("quarantine %s: %w", dir, err)
		}
	}
	if err := fs.Rename(tmp, dir); err != nil {
		return nil, fmt.Errorf("install %s: %w", tmp, err)
	}
	return d, syncParent(fs, dir)
}

// finishRebuild completes a rebuild interrupted between its two renames,
// and drops one interrupted before them (the old database is still in dir).
func finishRebuild(fs vfs.FS, dir string) error {
	tmp := dir + ".rebuild"
	if _, err := fs.Stat(tmp); err != nil {
		return nil
	}
	if _, err := fs.Stat(dir); err == nil {
		return fs.RemoveAll(tmp)
	}
	if err := fs.Rename(tmp, dir); err != nil {
		return fmt.Errorf("finish rebuild of %s: %w", dir, err)
	}
	return syncParent(fs, dir)
}

func syncParent(fs vfs.FS, dir string) error {
	d, err := fs.OpenDir(fs.PathDir(dir))
	if err != nil {
		return fmt.Errorf("sync parent of %s: %w", dir, err)
	}
	return errors.Join(d.Sync(), d.Close())
}

// quarantineWALs moves the WAL files of dir aside (a corrupt WAL keeps
// Pebble from opening); what they held is lost.
func quarantineWALs(fs vfs.FS, dir string) (int, error) {
	names, err := fs.List(dir)
	if err != nil {
		return 0, err
	}
	qdir := dir + ".wal-damaged-" + time.Now().UTC().Format("20060102T150405.000000000Z")
	moved := 0
	for _, n := range names {
		if len(n) < 4 || n[len(n)-4:] != ".log" {
			continue
		}
		if moved == 0 {
			if err := fs.MkdirAll(qdir, 0o755); err != nil {
				return 0, err
			}
		}
		if err := fs.Rename(fs.PathJoin(dir, n), fs.PathJoin(qdir, n)); err != nil {
			return moved, err
		}
		moved++
	}
	if moved > 0 {
		return moved, syncParent(fs, fs.PathJoin(dir, "x"))
	}
	return 0, nil
}
