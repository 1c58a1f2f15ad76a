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

// recoverLoop asks the leader where its log stands (target), waits until
// this node holds it, then lifts the refusal: clears the persisted damage
// record, opens the vote gate, serves. "Holds it" (caughtUp) is: raft's
// applied index reached the leader's commit index (every committed entry
// is here, in the log or the snapshot) and, in the leader's term, the log
// reached the leader's last index (every entry this node may have
// acknowledged to that leader before the damage is here again, so the
// leader's stale match index for it is true again). A term change before
// that asks the new leader again: a new leader counts acknowledgements
// from scratch.
func (m *Meta) recoverLoop() {
	defer m.wg.Done()
	t := time.NewTicker(m.cfg.ReconcileInterval)
	defer t.Stop()
	var target *leaderPos
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
		}
		if target != nil && m.raft.CurrentTerm() > target.term {
			m.log.Info("raftmeta: recovering: term changed, asking the new leader", "old_term", target.term)
			target = nil
		}
		if target == nil {
			ctx, cancel := context.WithTimeout(context.Background(), m.cfg.ApplyTimeout)
			rep, err := m.leaderCallOnce(ctx, kindCommitIndex, nil, func(ctx context.Context) (reply, error) {
				pos, err := m.localLeaderPos(ctx)
				return reply{Index: pos.commit, Last: pos.last, Term: pos.term}, err
			})
			cancel()
			if err != nil || rep.Term == 0 {
				continue
			}
			target = &leaderPos{commit: rep.Index, last: rep.Last, term: rep.Term}
			m.rec.mu.Lock()
			m.rec.target = rep.Last
			m.rec.mu.Unlock()
			m.log.Info("raftmeta: recovering: catching up to the leader", "commit", rep.Index, "last", rep.Last, "term", rep.Term)
			continue
		}
		if !m.caughtUp(*target) {
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
			"stores", m.rec.damaged(), "commit", target.commit, "last", target.last,
			"took", time.Since(m.rec.since).Round(time.Millisecond))
		return
	}
}

func (m *Meta) caughtUp(t leaderPos) bool {
	return m.raft.CurrentTerm() == t.term && m.raft.LastIndex() >= t.last && m.raft.AppliedIndex() >= t.commit
}

// leaderPos is where the leader's log stands: its commit index (covering
// every entry committed before the call), its last index and its term.
type leaderPos struct{ commit, last, term uint64 }

// localLeaderPos reads leaderPos on the leader once an entry of its term is
// committed and its leadership is confirmed by a quorum.
func (m *Meta) localLeaderPos(ctx context.Context) (leaderPos, error) {
	if m.raft.State() != raft.Leader {
		return leaderPos{}, ErrNotLeader
	}
	term := m.raft.CurrentTerm()
	if err := m.termBarrier(ctx, term); err != nil {
		return leaderPos{}, err
	}
	commit := m.raft.CommitIndex()
	if err := waitFuture(ctx, m.raft.VerifyLeader()); err != nil {
		return leaderPos{}, fmt.Errorf("raftmeta: verify leader: %w", err)
	}
	last := m.raft.LastIndex()
	if m.raft.CurrentTerm() != term {
		return leaderPos{}, fmt.Errorf("%w: term changed during read", ErrNotLeader)
	}
	return leaderPos{commit: commit, last: last, term: term}, nil
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
