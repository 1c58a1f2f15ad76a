package raftmeta

import (
	"context"
	"sort"

	"github.com/datamon-io/datamon/layout"
	"github.com/hashicorp/raft"
)

// Status reports this node's view of the group (local, no barrier).
func (m *Meta) Status(ctx context.Context) (Status, error) {
	if m.closed.Load() {
		return Status{}, ErrClosed
	}
	addr, id := m.raft.LeaderWithID()
	st := Status{
		ID:            m.cfg.NodeID,
		State:         m.raft.State().String(),
		Leader:        LeaderInfo{ID: string(id), Addr: string(addr)},
		Term:          m.raft.CurrentTerm(),
		CommitIndex:   m.raft.CommitIndex(),
		AppliedIndex:  m.fsm.applied.Load(),
		LayoutVersion: m.Layout().Version,
		Voters:        []string{},
		NonVoters:     []string{},
		Metadata:      m.rec.describe(),
	}
	if m.rec.active.Load() {
		st.Damaged = m.rec.damaged()
		st.VotesRefused = m.gate != nil && m.gate.refusing()
	}
	cf := m.raft.GetConfiguration()
	if err := waitFuture(ctx, cf); err != nil {
		return st, err
	}
	for _, s := range cf.Configuration().Servers {
		if s.Suffrage == raft.Voter {
			st.Voters = append(st.Voters, string(s.ID))
		} else {
			st.NonVoters = append(st.NonVoters, string(s.ID))
		}
	}
	sort.Strings(st.Voters)
	sort.Strings(st.NonVoters)
	return st, nil
}

// StateHash is the hex SHA-256 of all FSM keys and values except the applied
// index: equal on every node that applied the same commands.
func (m *Meta) StateHash(ctx context.Context) (string, error) {
	if m.closed.Load() {
		return "", ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	snap := m.fsm.db.NewSnapshot()
	defer snap.Close()
	return stateHash(snap)
}

// AppliedIndex is the FSM's applied index (for tests and metrics).
func (m *Meta) AppliedIndex() uint64 { return m.fsm.applied.Load() }

// IsLeader reports whether this node currently leads (local view).
func (m *Meta) IsLeader() bool { return m.raft.State() == raft.Leader }

// Layout is the locally applied current layout (no barrier): what placement
// uses. The zero Layout before the cluster is initialised.
func (m *Meta) Layout() layout.Layout {
	if ls := m.fsm.layouts.Load(); ls != nil && len(*ls) > 0 {
		return (*ls)[0]
	}
	return layout.Layout{}
}

// Layouts returns the current layout and the older versions not yet retired,
// newest first (locally applied, no barrier).
func (m *Meta) Layouts() []layout.Layout {
	if ls := m.fsm.layouts.Load(); ls != nil {
		return append([]layout.Layout(nil), (*ls)...)
	}
	return nil
}
