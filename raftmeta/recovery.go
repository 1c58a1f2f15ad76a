package raftmeta

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
)

// StoreDamage is implemented by a raft log/stable store that verifies
// itself at open and persists what it found (raftlog.Store). raftmeta
// reads it at New, records damage it finds itself, and clears it once the
// node has caught up.
type StoreDamage interface {
	// RaftDamage reports damage recorded and not yet cleared: log entries
	// the node may have acknowledged were discarded (log), or the term/vote
	// was unreadable or may be stale (stable).
	RaftDamage() (log, stable bool, reason string)
	// RecordRaftDamage persists log damage found by raftmeta.
	RecordRaftDamage(reason string) error
	// ClearRaftDamage deletes the record (the node has caught up).
	ClearRaftDamage() error
}

// Damaged stores, as reported in Status.Damaged and metrics.
const (
	StoreLog    = "log"
	StoreStable = "stable"
	StoreFSM    = "fsm"
)

// recovery is the "refused" state of a node that found a store damaged at
// start: it serves no metadata (ErrRecovering) and, if its log or stable
// store lost data, takes no part in elections (voteGate), until its raft
// applied index reaches a commit index the leader confirmed after this
// start (target, a linearizable read of the leader's commit index: it
// covers every entry this node could have acknowledged before).
type recovery struct {
	mu      sync.Mutex
	stores  map[string]string // store -> reason
	since   time.Time
	target  uint64
	active  atomic.Bool
	noVote  bool
	persist StoreDamage // nil: the store keeps no record
}

func (r *recovery) add(store, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stores == nil {
		r.stores, r.since = map[string]string{}, time.Now()
	}
	if _, ok := r.stores[store]; !ok {
		r.stores[store] = reason
	}
	if store == StoreLog || store == StoreStable {
		r.noVote = true
	}
	r.active.Store(true)
}

// damaged lists the damaged stores, sorted.
func (r *recovery) damaged() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.stores))
	for s := range r.stores {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// describe is the Status.Metadata text.
func (r *recovery) describe() string {
	if !r.active.Load() {
		return "serving"
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var parts []string
	for _, s := range []string{StoreLog, StoreStable, StoreFSM} {
		if why, ok := r.stores[s]; ok {
			parts = append(parts, fmt.Sprintf("%s damaged (%s)", s, why))
		}
	}
	votes := ""
	if r.noVote {
		votes = ", not voting"
	}
	target := "waiting for the leader's commit index"
	if r.target > 0 {
		target = fmt.Sprintf("catching up to index %d", r.target)
	}
	return fmt.Sprintf("refused: %s; recovering from the leader%s, %s", strings.Join(parts, "; "), votes, target)
}

// serving returns ErrRecovering while the node recovers.
func (m *Meta) serving() error {
	if m.rec.active.Load() {
		return fmt.Errorf("%w: %s", ErrRecovering, m.rec.describe())
	}
	return nil
}

// recoverLoop asks the leader for its commit index once, then waits for
// raft's applied index (local log and snapshot) to reach it, then lifts the
// refusal: clears the persisted damage record, opens the vote gate, serves.
func (m *Meta) recoverLoop() {
	defer m.wg.Done()
	t := time.NewTicker(m.cfg.ReconcileInterval)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
		}
		m.rec.mu.Lock()
		target := m.rec.target
		m.rec.mu.Unlock()
		if target == 0 {
			ctx, cancel := context.WithTimeout(context.Background(), m.cfg.ApplyTimeout)
			rep, err := m.leaderCallOnce(ctx, kindCommitIndex, nil, func(ctx context.Context) (reply, error) {
				idx, err := m.localCommitIndex(ctx)
				return reply{Index: idx}, err
			})
			cancel()
			if err != nil || rep.Index == 0 {
				continue
			}
			m.rec.mu.Lock()
			m.rec.target = rep.Index
			m.rec.mu.Unlock()
			m.log.Info("raftmeta: recovering: catching up to the leader's commit index", "target", rep.Index)
			continue
		}
		if m.raft.AppliedIndex() < target {
			continue
		}
		if p := m.rec.persist; p != nil {
			if err := p.ClearRaftDamage(); err != nil {
				m.log.Error("raftmeta: recovered, but clearing the damage record failed; still refusing", "err", err)
				continue
			}
		}
		if m.gate != nil {
			m.gate.open()
		}
		m.rec.active.Store(false)
		m.log.Warn("raftmeta: recovered from store damage: serving metadata and voting again",
			"stores", m.rec.damaged(), "target", target, "took", time.Since(m.rec.since).Round(time.Millisecond))
		return
	}
}

// localCommitIndex is the leader's commit index once an entry of its term
// is committed and its leadership is confirmed by a quorum: it covers every
// entry committed before the call.
func (m *Meta) localCommitIndex(ctx context.Context) (uint64, error) {
	if m.raft.State() != raft.Leader {
		return 0, ErrNotLeader
	}
	term := m.raft.CurrentTerm()
	if err := m.termBarrier(ctx, term); err != nil {
		return 0, err
	}
	commit := m.raft.CommitIndex()
	if err := waitFuture(ctx, m.raft.VerifyLeader()); err != nil {
		return 0, fmt.Errorf("raftmeta: verify leader: %w", err)
	}
	if m.raft.CurrentTerm() != term {
		return 0, fmt.Errorf("%w: term changed during read", ErrNotLeader)
	}
	return commit, nil
}

// DamageStats is the recovery state for metrics: which stores are damaged
// (1) and how many election RPCs the vote gate refused.
type DamageStats struct {
	Log, Stable, FSM bool
	Recovering       bool
	VotesRefused     uint64
}

// DamageStats reports the recovery state (metrics).
func (m *Meta) DamageStats() DamageStats {
	var st DamageStats
	st.Recovering = m.rec.active.Load()
	if st.Recovering {
		for _, s := range m.rec.damaged() {
			switch s {
			case StoreLog:
				st.Log = true
			case StoreStable:
				st.Stable = true
			case StoreFSM:
				st.FSM = true
			}
		}
	}
	if m.gate != nil {
		st.VotesRefused = m.gate.refused.Load()
	}
	return st
}

// assessDamage gathers, before raft starts, what the stores found at open
// and makes the FSM consistent with the local snapshot (coverSnapshot). It
// returns the recovery state and the snapshot store raft must use.
func assessDamage(f *fsm, fsmDamage string, logs raft.LogStore, stable raft.StableStore,
	snaps raft.SnapshotStore, log *slog.Logger) (*recovery, raft.SnapshotStore, error) {
	rec := &recovery{}
	sd, _ := logs.(StoreDamage)
	if sd == nil {
		sd, _ = stable.(StoreDamage)
	}
	rec.persist = sd
	if sd != nil {
		if l, st, why := sd.RaftDamage(); l || st {
			if l {
				rec.add(StoreLog, why)
			}
			if st {
				rec.add(StoreStable, why)
			}
		}
	}
	if fsmDamage != "" {
		rec.add(StoreFSM, fsmDamage)
	}
	snaps, discard, why := coverSnapshot(f, snaps, log)
	if discard {
		if rec.stores[StoreFSM] == "" {
			rec.add(StoreFSM, why)
		}
		first, err := logs.FirstIndex()
		if err != nil {
			return nil, nil, fmt.Errorf("raftmeta: discard log: %w", err)
		}
		last, err := logs.LastIndex()
		if err != nil {
			return nil, nil, fmt.Errorf("raftmeta: discard log: %w", err)
		}
		if sd != nil {
			if err := sd.RecordRaftDamage("log discarded: " + why); err != nil {
				return nil, nil, err
			}
		}
		if last > 0 {
			if err := logs.DeleteRange(first, last); err != nil {
				return nil, nil, fmt.Errorf("raftmeta: discard log %d..%d: %w", first, last, err)
			}
		}
		rec.add(StoreLog, "discarded: "+why)
	}
	if rec.active.Load() {
		log.Error("raftmeta: metadata store damaged: refusing to serve metadata until caught up from the leader",
			"stores", rec.damaged(), "voting", !rec.noVote, "status", rec.describe())
	}
	return rec, snaps, nil
}
