package raftmeta

import (
	"time"
)

// ElectionStats are this node's election counters since it started.
type ElectionStats struct {
	// Term is the current Raft term.
	Term uint64
	// Elections counts transitions to candidate (pre-vote rounds included).
	Elections uint64
	// LeaderChanges counts the times this node saw a different leader
	// (including "no leader") than the one before.
	LeaderChanges uint64
	// LastContact is how long ago a follower last heard from the leader
	// (0 on the leader or before any contact).
	LastContact time.Duration
}

// ElectionStats reports the election counters (metrics).
func (m *Meta) ElectionStats() ElectionStats {
	st := ElectionStats{
		Term:          m.raft.CurrentTerm(),
		Elections:     m.elections.Load(),
		LeaderChanges: m.leaderChanges.Load(),
	}
	if lc := m.raft.LastContact(); !lc.IsZero() && !m.IsLeader() {
		st.LastContact = time.Since(lc)
	}
	return st
}

// countLeader is called from raft's observer with each leader observation.
func (m *Meta) countLeader(id string) {
	prev := m.lastLeader.Swap(&id)
	if prev == nil || *prev != id {
		m.leaderChanges.Add(1)
	}
}
