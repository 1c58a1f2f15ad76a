package raftmeta

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"github.com/datamon-io/datamon/model"
	"github.com/hashicorp/raft"
)

// maxWalkBack bounds the leader's scan over trailing no-op/barrier entries.
const maxWalkBack = 4096

// readBarrier makes the local FSM at least as new as every write
// acknowledged before the call (ReadIndex), unless ctx is WithStale.
func (m *Meta) readBarrier(ctx context.Context) error {
	if m.closed.Load() {
		return ErrClosed
	}
	if err := m.serving(); err != nil {
		return err
	}
	if isStale(ctx) {
		return nil
	}
	rep, err := m.leaderCall(ctx, kindReadIndex, nil, func(ctx context.Context) (reply, error) {
		idx, err := m.localReadIndex(ctx)
		return reply{Index: idx}, err
	})
	if err != nil {
		return fmt.Errorf("raftmeta: read index: %w", err)
	}
	return m.fsm.waitApplied(ctx, rep.Index)
}

// localReadIndex is ReadIndex on the leader: once per term a barrier makes
// sure an entry of the current term is committed (so the commit index is
// authoritative), then the commit index is read, leadership is confirmed
// with a quorum (VerifyLeader), and the index is mapped to the last entry
// the FSM sees.
func (m *Meta) localReadIndex(ctx context.Context) (uint64, error) {
	pos, err := m.localLeaderPos(ctx)
	if err != nil {
		return 0, err
	}
	return m.effectiveIndex(ctx, pos.commit)
}

func (m *Meta) termBarrier(ctx context.Context, term uint64) error {
	if m.readyTerm.Load() == term {
		return nil
	}
	m.barrierMu.Lock()
	defer m.barrierMu.Unlock()
	if m.readyTerm.Load() == term {
		return nil
	}
	if err := waitFuture(ctx, m.raft.Barrier(timeoutFor(ctx, m.cfg.ApplyTimeout))); err != nil {
		return fmt.Errorf("raftmeta: leader barrier: %w", err)
	}
	if m.raft.CurrentTerm() != term || m.raft.State() != raft.Leader {
		return ErrNotLeader
	}
	m.readyTerm.Store(term)
	return nil
}

// effectiveIndex walks back from commit over entries raft never hands to
// the FSM (no-op, barrier) to the last command/configuration entry, which
// every FSM's applied index reaches.
func (m *Meta) effectiveIndex(ctx context.Context, commit uint64) (uint64, error) {
	for idx, n := commit, 0; idx > 0 && n < maxWalkBack; idx, n = idx-1, n+1 {
		var l raft.Log
		if err := m.logs.GetLog(idx, &l); err != nil {
			break // compacted into a snapshot the FSM already holds
		}
		if l.Type == raft.LogCommand || l.Type == raft.LogConfiguration {
			return idx, nil
		}
	}
	// Everything between the snapshot (or the scan limit) and commit is
	// invisible to the FSM: after a barrier the leader's FSM applied index is
	// exactly the last visible entry.
	if err := waitFuture(ctx, m.raft.Barrier(timeoutFor(ctx, m.cfg.ApplyTimeout))); err != nil {
		return 0, fmt.Errorf("raftmeta: read barrier: %w", err)
	}
	return m.fsm.applied.Load(), nil
}

// get reads one JSON value after the read barrier.
func get[T any](m *Meta, ctx context.Context, key []byte, what string) (T, error) {
	var v T
	if err := m.readBarrier(ctx); err != nil {
		return v, err
	}
	found, err := getJSON(m.fsm.db, key, &v)
	if err != nil {
		return v, err
	}
	if !found {
		return v, fmt.Errorf("%w: %s", model.ErrNotFound, what)
	}
	return v, nil
}

// list decodes every value under prefix (key order) from one consistent view.
// If mustExist is set and absent, model.ErrNotFound.
func list[T any](r pebble.Reader, prefix []byte, mustExist []byte, what string) ([]T, error) {
	snap, ok := r.(*pebble.DB)
	var rd pebble.Reader = r
	if ok {
		s := snap.NewSnapshot()
		defer s.Close()
		rd = s
	}
	if mustExist != nil {
		var raw json.RawMessage
		found, err := getJSON(rd, mustExist, &raw)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, fmt.Errorf("%w: %s", model.ErrNotFound, what)
		}
	}
	it, err := rd.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	out := []T{}
	for ok := it.First(); ok; ok = it.Next() {
		var v T
		if err := json.Unmarshal(it.Value(), &v); err != nil {
			return nil, fmt.Errorf("raftmeta: decode %q: %w", it.Key(), err)
		}
		out = append(out, v)
	}
	return out, it.Error()
}
