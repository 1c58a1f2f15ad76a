package node

import (
	"context"
	"time"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/s3backend"
)

// clusterInfo adapts gossip, raftmeta status and service counters to
// api.Cluster; the embedded S3 backend serves the draft routes (api.Drafts).
type clusterInfo struct {
	n *Node
	*s3backend.Backend
}

func (c clusterInfo) Members() []api.MemberInfo {
	var out []api.MemberInfo
	raftRole := map[string]string{}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	if st, err := c.n.meta.Status(ctx); err == nil {
		for _, id := range st.Voters {
			raftRole[id] = "voter"
		}
		for _, id := range st.NonVoters {
			raftRole[id] = "non-voter"
		}
	}
	cancel()
	for _, mb := range c.n.members.Members() {
		out = append(out, api.MemberInfo{
			ID: mb.Meta.ID, Site: mb.Meta.Site, Addr: mb.Addr, State: mb.State.String(),
			Capacity: mb.Meta.Capacity, APIAddr: mb.Meta.APIAddr, S3Addr: mb.Meta.S3Addr,
			Raft: raftRole[mb.Meta.ID],
		})
	}
	return out
}

func (c clusterInfo) MetaStatus(ctx context.Context) (api.MetaStatus, error) {
	st, err := c.n.meta.Status(ctx)
	if err != nil {
		return api.MetaStatus{}, err
	}
	hash, err := c.n.meta.StateHash(ctx)
	if err != nil {
		return api.MetaStatus{}, err
	}
	return api.MetaStatus{
		NodeID: st.ID, State: st.State, LeaderID: st.Leader.ID, LeaderAddr: st.Leader.Addr,
		Term: st.Term, CommitIndex: st.CommitIndex, AppliedIndex: st.AppliedIndex,
		Voters: st.Voters, NonVoters: st.NonVoters, LayoutVersion: st.LayoutVersion,
		StateHash: hash, ShardWrites: c.n.guard.ShardWrites(), Metadata: st.Metadata,
	}, nil
}

func (c clusterInfo) Metrics() map[string]float64 {
	out := map[string]float64{}
	c.n.accessGuardMetrics(out)
	ss := c.n.shards.Stats()
	out["datamon_shards"] = float64(ss.Shards)
	out["datamon_shard_bytes"] = float64(ss.Bytes)
	out["datamon_shard_corrupt_detected_total"] = float64(ss.CorruptDetected)
	out["datamon_shard_corrupt_sstables"] = float64(ss.CorruptFiles)
	out["datamon_shard_pebble_background_errors_total"] = float64(ss.BackgroundErrs)
	cs := c.n.chunks.Stats()
	out["datamon_cas_puts_total"] = float64(cs.Puts)
	out["datamon_cas_gets_total"] = float64(cs.Gets)
	out["datamon_cas_reconstructions_total"] = float64(cs.Reconstructions)
	out["datamon_cas_corrupt_shards_total"] = float64(cs.CorruptShards)
	out["datamon_cas_degraded_writes_total"] = float64(cs.DegradedWrites)
	out["datamon_cas_pending_repairs"] = float64(cs.PendingRepairs)
	es := c.n.meta.ElectionStats()
	out["datamon_raft_term"] = float64(es.Term)
	out["datamon_raft_elections_total"] = float64(es.Elections)
	out["datamon_raft_leader_changes_total"] = float64(es.LeaderChanges)
	out["datamon_raft_last_contact_seconds"] = es.LastContact.Seconds()
	dm := c.n.meta.DamageStats()
	out["datamon_raft_store_damaged_log"] = b2f(dm.Log)
	out["datamon_raft_store_damaged_stable"] = b2f(dm.Stable)
	out["datamon_raft_store_damaged_fsm"] = b2f(dm.FSM)
	out["datamon_raft_recovering"] = b2f(dm.Recovering)
	out["datamon_raft_votes_refused_total"] = float64(dm.VotesRefused)
	ds := c.n.guard.Stats()
	out["datamon_disk_avail_bytes"] = float64(ds.AvailBytes)
	out["datamon_disk_ballast_releases_total"] = float64(ds.Releases)
	out["datamon_disk_low"] = 0
	if ds.Low {
		out["datamon_disk_low"] = 1
	}
	return out
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
