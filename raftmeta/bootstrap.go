package raftmeta

import (
	"errors"
	"sort"
	"time"

	"github.com/hashicorp/raft"
)

// bootstrapLoop forms the group without hand-editing: once BootstrapExpect
// alive servers are visible, the first BootstrapExpect by sorted ID are the
// initial voters; every one of them computes the same set and bootstraps it
// (raft tolerates identical bootstraps). Nodes outside the set wait to be
// added by the leader. The loop ends when this node bootstrapped, or
// learned of a leader or a configuration.
//
// As with every bootstrap-expect scheme (Consul, Nomad), two disjoint gossip
// views could form two groups; gossip converges long before the expected
// count is reached in practice, and the set is a deterministic function of
// the view.
func (m *Meta) bootstrapLoop() {
	defer m.wg.Done()
	t := time.NewTicker(m.cfg.ReconcileInterval / 4)
	defer t.Stop()
	for {
		if m.tryBootstrap() {
			return
		}
		select {
		case <-m.stop:
			return
		case <-t.C:
		}
	}
}

func (m *Meta) tryBootstrap() bool {
	if addr, _ := m.raft.LeaderWithID(); addr != "" {
		return true
	}
	cf := m.raft.GetConfiguration()
	if err := cf.Error(); err != nil {
		return false
	}
	if len(cf.Configuration().Servers) > 0 {
		return true
	}
	set := bootstrapSet(m.members.Servers(), m.cfg.BootstrapExpect)
	if set == nil {
		return false
	}
	// Every server waits for the same BootstrapExpect servers (so no two
	// can bootstrap different groups), but only the first voterCount of
	// them vote: an odd number, at most the voter target. The others wait
	// and are added by the leader (as non-voters, promoted as needed).
	set = set[:m.voterCount(len(set))]
	var conf raft.Configuration
	self := false
	for _, s := range set {
		self = self || s.ID == m.cfg.NodeID
		conf.Servers = append(conf.Servers, raft.Server{
			Suffrage: raft.Voter, ID: raft.ServerID(s.ID), Address: raft.ServerAddress(s.RaftAddr)})
	}
	if !self {
		return false
	}
	err := m.raft.BootstrapCluster(conf).Error()
	switch {
	case err == nil:
		m.log.Info("raftmeta: bootstrapped", "voters", len(conf.Servers))
		return true
	case errors.Is(err, raft.ErrCantBootstrap):
		return true
	default:
		m.log.Warn("raftmeta: bootstrap failed", "err", err)
		return false
	}
}

// voterCount is the odd voter count for n servers: the voter target (3, or
// 5 when configured and n >= 5) or, with fewer servers, n rounded down to
// an odd number (an even count tolerates no more failures than the odd one
// below it and needs a larger quorum).
func (m *Meta) voterCount(n int) int {
	v := min(n, m.targetVoters(n))
	if v > 0 && v%2 == 0 {
		v--
	}
	return v
}

// bootstrapSet returns the first n alive servers (with a raft address) by
// sorted ID, or nil when fewer than n are visible.
func bootstrapSet(servers []Server, n int) []Server {
	var alive []Server
	for _, s := range servers {
		if s.Alive && s.ID != "" && s.RaftAddr != "" {
			alive = append(alive, s)
		}
	}
	sort.Slice(alive, func(i, j int) bool { return alive[i].ID < alive[j].ID })
	if n <= 0 || len(alive) < n {
		return nil
	}
	return alive[:n]
}
