package raftmeta

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/model"
	"github.com/hashicorp/raft"
)

// reconcileLoop runs reconcile on the leader every ReconcileInterval and
// whenever kicked (leadership change, RemoveNode, Kick).
func (m *Meta) reconcileLoop() {
	defer m.wg.Done()
	t := time.NewTicker(m.cfg.ReconcileInterval)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
		case <-m.kick:
		}
		if m.raft.State() != raft.Leader {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), m.cfg.ApplyTimeout)
		go func() { // Close must not wait for a slow raft call
			select {
			case <-m.stop:
				cancel()
			case <-ctx.Done():
			}
		}()
		if err := m.reconcile(ctx); err != nil && !errors.Is(err, context.Canceled) {
			m.log.Warn("raftmeta: reconcile", "err", err)
		}
		cancel()
	}
}

// reconcile (leader only): initialise the cluster state, grow the layout
// with newly seen servers, and keep the voter set at target spread across
// sites.
func (m *Meta) reconcile(ctx context.Context) error {
	if err := m.termBarrier(ctx, m.raft.CurrentTerm()); err != nil {
		return err
	}
	servers := m.members.Servers()
	sort.Slice(servers, func(i, j int) bool { return servers[i].ID < servers[j].ID })
	var alive []Server
	for _, s := range servers {
		removed, err := m.isRemoved(s.ID)
		if err != nil {
			return err
		}
		if s.Alive && s.ID != "" && s.RaftAddr != "" && !removed {
			alive = append(alive, s)
		}
	}
	if err := m.ensureInit(ctx, alive); err != nil {
		return err
	}
	if err := m.sealLegacy(ctx); err != nil { // seal_legacy.go
		return err
	}
	if err := m.growLayout(ctx, alive); err != nil {
		return err
	}
	return m.reconcileVoters(ctx, servers, alive)
}

func (m *Meta) isRemoved(id string) (bool, error) {
	_, closer, err := m.fsm.db.Get(removedKey(id))
	if errors.Is(err, pebble.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	closer.Close()
	return true, nil
}

func toNodes(ss []Server) []layout.Node {
	out := make([]layout.Node, 0, len(ss))
	for _, s := range ss {
		out = append(out, layout.Node{ID: layout.NodeID(s.ID), Site: s.Site, Capacity: s.Capacity})
	}
	return out
}

func (m *Meta) ensureInit(ctx context.Context, alive []Server) error {
	var c model.Context
	hasDefault, err := getJSON(m.fsm.db, contextKey(model.DefaultContext), &c)
	if err != nil {
		return err
	}
	hasRoot := true
	if m.cfg.RootKey != nil {
		var k model.AccessKey
		if hasRoot, err = getJSON(m.fsm.db, accessKeyKey(m.cfg.RootKey.ID), &k); err != nil {
			return err
		}
	}
	if hasDefault && hasRoot && len(m.Layouts()) > 0 {
		return nil
	}
	cmd := &command{Op: opInit, Nodes: toNodes(alive), Policy: m.cfg.Policy, ReqID: newReqID()}
	if m.cfg.RootKey != nil {
		k := m.seal.sealKey(*m.cfg.RootKey) // never in plaintext in the log
		cmd.Key = &k
	}
	if cmd.Policy == nil {
		p := layout.DefaultPolicy(len(alive))
		cmd.Policy = &p
	}
	_, err = m.applyLocal(ctx, cmd)
	return err
}

// growLayout adds alive servers the layout does not know yet, as one version.
func (m *Meta) growLayout(ctx context.Context, alive []Server) error {
	cur := m.Layout()
	var add []Server
	for _, s := range alive {
		if _, ok := cur.Node(layout.NodeID(s.ID)); !ok {
			add = append(add, s)
		}
	}
	if len(add) == 0 {
		return nil
	}
	_, err := m.applyLocal(ctx, &command{Op: opLayoutAdd, Nodes: toNodes(add), ReqID: newReqID()})
	return err
}

// targetVoters: 5 when configured and at least 5 servers are known, else 3.
func (m *Meta) targetVoters(known int) int {
	if m.cfg.Voters == 5 && known >= 5 {
		return 5
	}
	return 3
}

// reconcileVoters adds unknown alive servers (voters while below target,
// chosen round-robin over sites; the rest non-voters), promotes non-voters
// when voters are missing, and swaps one voter per round from a site with
// several voters to a site with none.
func (m *Meta) reconcileVoters(ctx context.Context, all, alive []Server) error {
	cf := m.raft.GetConfiguration()
	if err := waitFuture(ctx, cf); err != nil {
		return err
	}
	site := map[string]string{}
	for _, s := range all {
		site[s.ID] = s.Site
	}
	inConf := map[string]raft.ServerSuffrage{}
	perSite := map[string]int{}
	voters := 0
	for _, s := range cf.Configuration().Servers {
		inConf[string(s.ID)] = s.Suffrage
		if s.Suffrage == raft.Voter {
			voters++
			perSite[site[string(s.ID)]]++
		}
	}
	known := len(inConf)
	for _, s := range alive {
		if _, ok := inConf[s.ID]; !ok {
			known++
		}
	}
	// Candidates for voting: alive servers that are not voters.
	var cands []Server
	for _, s := range alive {
		if inConf[s.ID] != raft.Voter || !inSet(inConf, s.ID) {
			cands = append(cands, s)
		}
	}
	// The voter count stays odd: the target, or what voters and candidates
	// can reach, rounded down to odd.
	target := m.voterCount(min(m.targetVoters(known), voters+len(cands)))
	timeout := timeoutFor(ctx, m.cfg.ApplyTimeout)
	if voters > target {
		if err := m.demoteVoters(ctx, voters-target, inConf, perSite, site, alive); err != nil {
			return err
		}
		voters = target
	}
	for voters < target && len(cands) > 0 {
		i := pickBySite(cands, perSite)
		c := cands[i]
		if err := waitFuture(ctx, m.raft.AddVoter(raft.ServerID(c.ID), raft.ServerAddress(c.RaftAddr), 0, timeout)); err != nil {
			return err
		}
		m.log.Info("raftmeta: added voter", "id", c.ID, "site", c.Site)
		inConf[c.ID] = raft.Voter
		perSite[c.Site]++
		voters++
		cands = append(cands[:i], cands[i+1:]...)
	}
	for _, c := range cands {
		if inSet(inConf, c.ID) {
			continue
		}
		if err := waitFuture(ctx, m.raft.AddNonvoter(raft.ServerID(c.ID), raft.ServerAddress(c.RaftAddr), 0, timeout)); err != nil {
			return err
		}
		m.log.Info("raftmeta: added non-voter", "id", c.ID, "site", c.Site)
		inConf[c.ID] = raft.Nonvoter
	}
	return m.spreadVoters(ctx, cands, inConf, perSite, site)
}

func inSet(m map[string]raft.ServerSuffrage, id string) bool { _, ok := m[id]; return ok }

// demoteVoters turns n voters into non-voters (never the leader): voters
// that are not alive first, then voters of the sites with the most voters
// (ties: highest ID, so the bootstrap's first IDs keep their votes).
func (m *Meta) demoteVoters(ctx context.Context, n int, inConf map[string]raft.ServerSuffrage,
	perSite map[string]int, site map[string]string, alive []Server) error {
	up := map[string]bool{}
	for _, s := range alive {
		up[s.ID] = true
	}
	_, leaderID := m.raft.LeaderWithID()
	timeout := timeoutFor(ctx, m.cfg.ApplyTimeout)
	for ; n > 0; n-- {
		var victim string
		better := func(id string) bool {
			if victim == "" {
				return true
			}
			if up[id] != up[victim] {
				return !up[id]
			}
			if a, b := perSite[site[id]], perSite[site[victim]]; a != b {
				return a > b
			}
			return id > victim
		}
		for id, sf := range inConf {
			if sf == raft.Voter && id != string(leaderID) && better(id) {
				victim = id
			}
		}
		if victim == "" {
			return nil
		}
		if err := waitFuture(ctx, m.raft.DemoteVoter(raft.ServerID(victim), 0, timeout)); err != nil {
			return err
		}
		m.log.Info("raftmeta: demoted voter to keep the voter count odd", "id", victim, "site", site[victim])
		inConf[victim] = raft.Nonvoter
		perSite[site[victim]]--
	}
	return nil
}

// spreadVoters promotes a non-voter from a site without voters and demotes
// a voter (never the leader) of the most crowded site, at most once per call.
func (m *Meta) spreadVoters(ctx context.Context, cands []Server, inConf map[string]raft.ServerSuffrage,
	perSite map[string]int, site map[string]string) error {
	var pick *Server
	for i := range cands {
		if perSite[cands[i].Site] == 0 && inConf[cands[i].ID] == raft.Nonvoter {
			pick = &cands[i]
			break
		}
	}
	if pick == nil {
		return nil
	}
	_, leaderID := m.raft.LeaderWithID()
	var victim string
	crowd := 1
	ids := make([]string, 0, len(inConf))
	for id := range inConf {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if inConf[id] == raft.Voter && id != string(leaderID) && perSite[site[id]] > crowd {
			victim, crowd = id, perSite[site[id]]
		}
	}
	if victim == "" {
		return nil
	}
	timeout := timeoutFor(ctx, m.cfg.ApplyTimeout)
	if err := waitFuture(ctx, m.raft.AddVoter(raft.ServerID(pick.ID), raft.ServerAddress(pick.RaftAddr), 0, timeout)); err != nil {
		return err
	}
	if err := waitFuture(ctx, m.raft.DemoteVoter(raft.ServerID(victim), 0, timeout)); err != nil {
		return err
	}
	m.log.Info("raftmeta: moved a vote across sites", "promoted", pick.ID, "demoted", victim)
	return nil
}

// pickBySite returns the index of the candidate whose site has the fewest
// voters (ties: site name, then ID — cands are sorted by ID).
func pickBySite(cands []Server, perSite map[string]int) int {
	best := 0
	for i := 1; i < len(cands); i++ {
		a, b := cands[i], cands[best]
		if perSite[a.Site] < perSite[b.Site] || perSite[a.Site] == perSite[b.Site] && a.Site < b.Site {
			best = i
		}
	}
	return best
}
