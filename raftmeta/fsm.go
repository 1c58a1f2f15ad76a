package raftmeta

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/datamon-io/datamon/layout"
	"github.com/hashicorp/raft"
)

// applyResult is what FSM.Apply returns to raft (and raft to ApplyFuture.Response).
type applyResult struct {
	Index uint64
	Data  []byte // JSON of the created/updated value, if any
	Err   error  // domain error (model.Err*) or ErrBadCommand
}

// fsm is the Pebble-backed state machine. Apply, StoreConfiguration,
// Snapshot and Restore are called from raft's single FSM goroutine; reads
// go straight to Pebble from any goroutine.
type fsm struct {
	db          *pebble.DB
	logger      *slog.Logger
	dedupWindow uint64

	applied  atomic.Uint64
	lastTime int64 // only touched by the FSM goroutine (and open)

	mu     sync.Mutex
	notify chan struct{} // closed and replaced whenever applied advances

	layouts atomic.Pointer[[]layout.Layout] // newest first; [0] current

	corrupt *fsmCorruption
}

var (
	_ raft.FSM                = (*fsm)(nil)
	_ raft.ConfigurationStore = (*fsm)(nil)
)

// openFSM opens the FSM database and verifies all of it. A damaged one
// (corrupt blocks, an unopenable database, records the FSM cannot load) is
// moved aside and replaced by an empty one: the FSM is derived state, New
// rebuilds it from the local snapshot and log or from the leader.
// damage is the reason, "" when the database was healthy.
func openFSM(dir string, fs vfs.FS, logger *slog.Logger, dedupWindow uint64) (f *fsm, damage string, err error) {
	c := &fsmCorruption{log: logger}
	db, damage, err := openVerified(dir, fs, logger, c)
	if err != nil {
		return nil, "", err
	}
	if db != nil {
		f = &fsm{db: db, logger: logger, dedupWindow: dedupWindow, notify: make(chan struct{}), corrupt: c}
		if err := f.reload(); err == nil {
			return f, "", nil
		} else {
			_ = db.Close()
			damage = err.Error()
		}
	}
	q, qerr := quarantineDir(fs, dir)
	if qerr != nil {
		return nil, "", fmt.Errorf("raftmeta: fsm %s is damaged (%s) and cannot be moved aside: %w", dir, damage, qerr)
	}
	logger.Error("raftmeta: fsm store damaged; moved aside, rebuilding from the snapshot and the log",
		"dir", dir, "quarantine", q, "reason", damage)
	c = &fsmCorruption{log: logger}
	db, err = pebble.Open(dir, fsmOptions(fs, logger, c))
	if err != nil {
		return nil, "", fmt.Errorf("raftmeta: open fresh fsm %s: %w", dir, err)
	}
	f = &fsm{db: db, logger: logger, dedupWindow: dedupWindow, notify: make(chan struct{}), corrupt: c}
	if err := f.reload(); err != nil {
		_ = db.Close()
		return nil, "", err
	}
	return f, damage, nil
}

// reload reads the applied index, last time and layouts from Pebble.
func (f *fsm) reload() error {
	idx, err := getUint64(f.db, keyApplied)
	if err != nil {
		return fmt.Errorf("raftmeta: fsm applied index: %w", err)
	}
	t, err := getUint64(f.db, keyLastTime)
	if err != nil {
		return fmt.Errorf("raftmeta: fsm last time: %w", err)
	}
	f.lastTime = int64(t)
	if err := f.refreshLayouts(); err != nil {
		return err
	}
	f.setApplied(idx)
	return nil
}

func (f *fsm) close() error { return f.db.Close() }

func (f *fsm) setApplied(idx uint64) {
	f.applied.Store(idx)
	f.mu.Lock()
	close(f.notify)
	f.notify = make(chan struct{})
	f.mu.Unlock()
}

// waitApplied blocks until the FSM applied index is >= idx or ctx ends.
func (f *fsm) waitApplied(ctx context.Context, idx uint64) error {
	for {
		f.mu.Lock()
		ch := f.notify
		f.mu.Unlock()
		if f.applied.Load() >= idx {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("raftmeta: wait for applied index %d (have %d): %w", idx, f.applied.Load(), ctx.Err())
		}
	}
}

// Apply implements raft.FSM.
func (f *fsm) Apply(l *raft.Log) any {
	if l.Index <= f.applied.Load() {
		return &applyResult{Index: l.Index} // replay of an entry already in Pebble
	}
	cmd, err := decodeCommand(l.Data)
	if err != nil {
		f.logger.Error("raftmeta: undecodable command in log", "index", l.Index, "err", err)
		f.commitAppliedOnly(l.Index)
		return &applyResult{Index: l.Index, Err: err}
	}
	b := f.db.NewIndexedBatch()
	defer b.Close()
	if cmd.ReqID != "" {
		var rec dedupRecord
		found, err := getJSON(b, dedupKey(cmd.ReqID), &rec)
		if err != nil {
			f.fatal("read dedup record", err)
		}
		if found {
			f.commitAppliedOnly(l.Index)
			return &applyResult{Index: rec.Index, Data: rec.Data}
		}
	}
	ts := cmd.Time
	if ts <= f.lastTime {
		ts = f.lastTime + 1
	}
	if cmd.Req != nil { // a client request ID (request.go)
		if res, done := f.checkRequest(b, cmd.Req, ts/1e6); done {
			f.commitAppliedOnly(l.Index)
			if res.Index == 0 {
				res.Index = l.Index
			}
			return res
		}
	}
	tx := &txn{b: b, index: l.Index, data: l.Data, now: time.Unix(0, ts).UTC()}
	err = tx.authorize(cmd.Auth) // the caller's key still allows it (authstamp.go)
	var data []byte
	if err == nil {
		data, err = tx.exec(cmd)
	}
	if err != nil {
		if cmd.Req != nil {
			f.recordFailure(cmd.Req, l.Index, err, ts)
		} else {
			f.commitAppliedOnly(l.Index)
		}
		return &applyResult{Index: l.Index, Err: err}
	}
	if cmd.ReqID != "" {
		f.recordDedup(tx, cmd.ReqID, data)
	}
	if cmd.Req != nil {
		f.recordRequest(b, cmd.Req, l.Index, data, nil, ts/1e6)
	}
	setUint64(b, keyLastTime, uint64(ts))
	setUint64(b, keyApplied, l.Index)
	if err := b.Commit(pebble.NoSync); err != nil {
		f.fatal("commit", err)
	}
	f.lastTime = ts
	if tx.layoutChanged {
		if err := f.refreshLayouts(); err != nil {
			f.fatal("refresh layouts", err)
		}
	}
	f.setApplied(l.Index)
	return &applyResult{Index: l.Index, Data: data}
}

// dedupRecord remembers the result of a successful command by request ID.
type dedupRecord struct {
	Index uint64 `json:"i"`
	Data  []byte `json:"d,omitempty"`
}

// recordDedup stores the request's result and forgets request IDs older than
// the dedup window (deterministic: driven by the log index only).
func (f *fsm) recordDedup(tx *txn, req string, data []byte) {
	tx.putJSON(dedupKey(req), dedupRecord{Index: tx.index, Data: data})
	_ = tx.b.Set(dedupIndexKey(tx.index, req), nil, nil)
	if tx.index <= f.dedupWindow {
		return
	}
	limit := dedupIndexKey(tx.index-f.dedupWindow, "")
	it, err := tx.b.NewIter(&pebble.IterOptions{LowerBound: prefixDedupI, UpperBound: limit})
	if err != nil {
		f.fatal("dedup prune", err)
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		k := it.Key()
		reqID := string(k[len(prefixDedupI)+8:])
		_ = tx.b.Delete(dedupKey(reqID), nil)
		_ = tx.b.Delete(append([]byte(nil), k...), nil)
	}
}

// recordFailure remembers a stamped command's domain error (its own
// writes are discarded) so that a resend gets the same answer.
func (f *fsm) recordFailure(s *requestStamp, index uint64, outcome error, ts int64) {
	b := f.db.NewIndexedBatch()
	defer b.Close()
	f.recordRequest(b, s, index, nil, outcome, ts/1e6)
	setUint64(b, keyLastTime, uint64(ts))
	setUint64(b, keyApplied, index)
	if err := b.Commit(pebble.NoSync); err != nil {
		f.fatal("commit request outcome", err)
	}
	f.lastTime = ts
	f.setApplied(index)
}

// commitAppliedOnly records that index was applied without changing state
// (failed or duplicate command).
func (f *fsm) commitAppliedOnly(index uint64) {
	b := f.db.NewBatch()
	defer b.Close()
	setUint64(b, keyApplied, index)
	if err := b.Commit(pebble.NoSync); err != nil {
		f.fatal("commit applied index", err)
	}
	f.setApplied(index)
}

// StoreConfiguration implements raft.ConfigurationStore: configuration
// entries advance the applied index so read indexes that point at them are
// reachable by the FSM.
func (f *fsm) StoreConfiguration(index uint64, _ raft.Configuration) {
	if index <= f.applied.Load() {
		return
	}
	f.commitAppliedOnly(index)
}

// fatal stops the process: a state machine that cannot persist must not
// keep acknowledging.
func (f *fsm) fatal(what string, err error) {
	f.logger.Error("raftmeta: fsm "+what+" failed", "err", err)
	panic(fmt.Sprintf("raftmeta: fsm %s: %v", what, err))
}

func (f *fsm) refreshLayouts() error {
	ls, err := readLayouts(f.db)
	if err != nil {
		return fmt.Errorf("raftmeta: read layouts: %w", err)
	}
	f.layouts.Store(&ls)
	return nil
}

func getUint64(r pebble.Reader, key []byte) (uint64, error) {
	v, closer, err := r.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer closer.Close()
	if len(v) != 8 {
		return 0, fmt.Errorf("%w: key %q has %d bytes", ErrBadSnapshot, key, len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

func setUint64(b *pebble.Batch, key []byte, v uint64) {
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], v)
	_ = b.Set(key, buf[:], nil)
}

// getJSON loads key into v; found is false when the key is absent.
func getJSON(r pebble.Reader, key []byte, v any) (bool, error) {
	raw, closer, err := r.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer closer.Close()
	if err := json.Unmarshal(raw, v); err != nil {
		return false, fmt.Errorf("raftmeta: decode %q: %w", key, err)
	}
	return true, nil
}

// pebbleLogger adapts *slog.Logger to pebble's Logger.
type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) { p.l.Debug(fmt.Sprintf(format, args...)) }
func (p pebbleLogger) Errorf(format string, args ...any) {
	p.l.Error(fmt.Sprintf(format, args...))
}
func (p pebbleLogger) Fatalf(format string, args ...any) {
	p.l.Error(fmt.Sprintf(format, args...))
	panic(fmt.Sprintf(format, args...))
}
