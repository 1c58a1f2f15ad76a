package durability

import (
	"context"
	"sort"

	"github.com/datamon-io/datamon/layout"
)

// NodeStatus is one node's durability figures.
type NodeStatus struct {
	ID        string          `json:"id"`
	Site      string          `json:"site"`
	Capacity  uint64          `json:"capacity"`   // layout capacity (0: drained)
	UsedBytes int64           `json:"used_bytes"` // shard bytes held
	Shards    int64           `json:"shards"`
	Health    string          `json:"health"` // up, down, draining, unknown
	Error     string          `json:"error,omitempty"`
	Repair    RepairStatus    `json:"repair"`
	Rebalance RebalanceStatus `json:"rebalance"`
	Scrub     ScrubStatus     `json:"scrub"`
	GC        GCStatus        `json:"gc"`
	Damage    DamageStatus    `json:"damage"`
}

// ClusterStatus is every node's figures plus cluster-wide totals.
type ClusterStatus struct {
	LayoutVersion  uint64       `json:"layout_version"`
	LayoutVersions []uint64     `json:"layout_versions"` // unretired, newest first
	Policy         string       `json:"policy"`
	RepairRate     uint64       `json:"repair_rate"` // bytes/s on the answering node
	DegradedChunks int64        `json:"degraded_chunks"`
	Misplaced      int64        `json:"misplaced_shards"`
	RepairRunning  int          `json:"repair_running"` // nodes in a repair pass
	ScrubRunning   int          `json:"scrub_running"`
	RebalanceDone  bool         `json:"rebalance_done"` // every node finished the current version
	Nodes          []NodeStatus `json:"nodes"`
}

// LocalStatus returns this node's figures.
func (s *Service) LocalStatus() NodeStatus {
	ss := s.store.Stats()
	ns := NodeStatus{ID: string(s.self), Site: s.cfg.Site, Capacity: s.cfg.Capacity,
		UsedBytes: ss.Bytes, Shards: ss.Shards, Health: "up"}
	if ls := s.topo.Layouts(); len(ls) > 0 {
		if n, ok := ls[0].Node(s.self); ok {
			ns.Site, ns.Capacity = n.Site, n.Capacity
			if n.Capacity == 0 {
				ns.Health = "draining"
			}
		}
	}
	s.st.mu.Lock()
	ns.Repair, ns.Rebalance, ns.Scrub, ns.GC = s.st.repair, s.st.rebalance, s.st.scrub, s.st.gc
	ns.Damage = s.st.damage
	s.st.mu.Unlock()
	ns.Damage.CorruptFiles = ss.CorruptFiles
	ns.Repair.RateBytes = s.RepairRate()
	return ns
}

// Status gathers every node's figures (unreachable nodes are reported
// "down" with their layout data).
func (s *Service) Status(ctx context.Context) (ClusterStatus, error) {
	var cs ClusterStatus
	ls := s.topo.Layouts()
	if len(ls) > 0 {
		cs.LayoutVersion, cs.Policy = ls[0].Version, ls[0].Policy.String()
	}
	for _, l := range ls {
		cs.LayoutVersions = append(cs.LayoutVersions, l.Version)
	}
	cs.RepairRate = s.RepairRate()
	cs.RebalanceDone = true
	for _, id := range s.dataNodes() {
		var ns NodeStatus
		err := s.callJSON(ctx, id, pathStatus, struct{}{}, &ns)
		if err != nil {
			ns = NodeStatus{ID: string(id), Health: "down", Error: err.Error()}
			if len(ls) > 0 {
				if n, ok := ls[0].Node(id); ok {
					ns.Site, ns.Capacity = n.Site, n.Capacity
				}
			}
		}
		cs.DegradedChunks += ns.Repair.DegradedChunks
		cs.Misplaced += ns.Rebalance.Misplaced
		if ns.Repair.Running {
			cs.RepairRunning++
		}
		if ns.Scrub.Running {
			cs.ScrubRunning++
		}
		if inLayout(ls, id) && ns.Rebalance.DoneVersion < cs.LayoutVersion {
			cs.RebalanceDone = false
		}
		cs.Nodes = append(cs.Nodes, ns)
	}
	sort.Slice(cs.Nodes, func(i, j int) bool { return cs.Nodes[i].ID < cs.Nodes[j].ID })
	return cs, nil
}

func inLayout(ls []layout.Layout, id layout.NodeID) bool {
	if len(ls) == 0 {
		return false
	}
	_, ok := ls[0].Node(id)
	return ok
}

// Metrics returns this node's figures as Prometheus gauges/counters by name.
func (s *Service) Metrics() map[string]float64 {
	ns := s.LocalStatus()
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	return map[string]float64{
		"datamon_repair_rate_bytes":              float64(ns.Repair.RateBytes),
		"datamon_repair_running":                 b(ns.Repair.Running),
		"datamon_repair_passes_total":            float64(ns.Repair.Passes),
		"datamon_repair_scanned_shards":          float64(ns.Repair.Scanned),
		"datamon_repair_eta_seconds":             ns.Repair.ETASeconds,
		"datamon_repair_rebuilt_shards_total":    float64(ns.Repair.RebuiltShards),
		"datamon_repair_written_bytes_total":     float64(ns.Repair.RebuiltBytes),
		"datamon_repair_failures_total":          float64(ns.Repair.Failures),
		"datamon_repair_degraded_chunks":         float64(ns.Repair.DegradedChunks),
		"datamon_rebalance_moved_shards_total":   float64(ns.Rebalance.MovedShards),
		"datamon_rebalance_moved_bytes_total":    float64(ns.Rebalance.MovedBytes),
		"datamon_rebalance_misplaced_shards":     float64(ns.Rebalance.Misplaced),
		"datamon_rebalance_done_layout_version":  float64(ns.Rebalance.DoneVersion),
		"datamon_scrub_running":                  b(ns.Scrub.Running),
		"datamon_scrub_passes_total":             float64(ns.Scrub.Passes),
		"datamon_scrub_scanned_shards":           float64(ns.Scrub.Scanned),
		"datamon_scrub_corrupt_found_total":      float64(ns.Scrub.CorruptFound),
		"datamon_scrub_repaired_total":           float64(ns.Scrub.Repaired),
		"datamon_gc_deleted_shards_total":        float64(ns.GC.DeletedShards),
		"datamon_gc_deleted_bytes_total":         float64(ns.GC.DeletedBytes),
		"datamon_damage_shards":                  float64(ns.Damage.DamagedShards),
		"datamon_damage_relocated_total":         float64(ns.Damage.Relocated),
		"datamon_damage_rebuilt_total":           float64(ns.Damage.Rebuilt),
		"datamon_damage_quarantined_files_total": float64(ns.Damage.Quarantined),
	}
}
