package raftmeta

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/model"
)

// Durability commands (package durability: drain, repair rate, rebalance
// progress). Values are part of the log format: never renumber.
const (
	opLayoutCapacity = "layout_capacity" // Dur.Node, Dur.Capacity: new layout version
	opSetRepairRate  = "set_repair_rate" // Dur.Rate
	opRebalanceDone  = "rebalance_done"  // Dur.Node, Dur.Version
)

// durabilityCmd is the payload of the durability commands.
type durabilityCmd struct {
	Node     string `json:"node,omitempty"`
	Capacity uint64 `json:"capacity,omitempty"`
	// IfDrained applies a capacity change only to a drained node (capacity
	// 0); otherwise the command fails with model.ErrPrecondition (undrain).
	IfDrained bool   `json:"if_drained,omitempty"`
	Rate      uint64 `json:"rate,omitempty"`
	Version   uint64 `json:"version,omitempty"`
}

// FSM keys of the durability state.
var (
	keyRepairRate   = []byte("D\x00rate")
	prefixRebalDone = []byte("D\x00done\x00") // + node -> layout version (JSON)
)

// DurabilitySettings are the cluster-wide durability settings.
type DurabilitySettings struct {
	// RepairRate is the cluster-wide repair/rebalance rate in bytes/s per
	// node; 0 means "each node's own default".
	RepairRate uint64 `json:"repair_rate"`
}

// RebalanceReport says that a node has finished moving its shards for a
// layout version (every shard it holds is where that version places it).
type RebalanceReport struct {
	Node    string `json:"node"`
	Version uint64 `json:"version"`
}

// execDurability applies the durability commands; ok is false for other ops.
func (tx *txn) execDurability(c *command) (out []byte, ok bool, err error) {
	switch c.Op {
	case opLayoutCapacity:
		out, err = tx.layoutCapacity(c.Dur.Node, c.Dur.Capacity, c.Dur.IfDrained)
	case opSetRepairRate:
		out = tx.putJSON(keyRepairRate, c.Dur.Rate)
	case opRebalanceDone:
		out = tx.putJSON(append(append([]byte(nil), prefixRebalDone...), c.Dur.Node...), c.Dur.Version)
	default:
		return nil, false, nil
	}
	return out, true, err
}

// layoutCapacity sets a node's capacity as a new layout version (0 drains);
// with ifDrained only when the node's capacity is 0 now.
func (tx *txn) layoutCapacity(id string, capacity uint64, ifDrained bool) ([]byte, error) {
	cur, err := tx.mustLayout()
	if err != nil {
		return nil, err
	}
	n, ok := cur.Node(layout.NodeID(id))
	if !ok {
		return nil, fmt.Errorf("%w: node %q is not in the layout", model.ErrNotFound, id)
	}
	if ifDrained && n.Capacity != 0 {
		return nil, fmt.Errorf("%w: node %q is not drained (capacity %d)", model.ErrPrecondition, id, n.Capacity)
	}
	if n.Capacity == capacity {
		return json.Marshal(cur)
	}
	n.Capacity = capacity
	return tx.replaceLayout(cur, cur.With(n)), nil
}

// SetNodeCapacity records a node's placement capacity in a new layout
// version; capacity 0 drains the node (it takes no shards and the
// rebalancers move its shards away). model.ErrNotFound if not in the layout.
func (m *Meta) SetNodeCapacity(ctx context.Context, id string, capacity uint64) error {
	if id == "" {
		return fmt.Errorf("%w: empty node id", model.ErrInvalid)
	}
	_, err := m.submit(ctx, &command{Op: opLayoutCapacity, Dur: &durabilityCmd{Node: id, Capacity: capacity}})
	return err
}

// UndrainNode gives a drained node back the capacity it advertises by
// gossip (its --capacity, or its disk size) in a new layout version, so
// shards are placed on it again and rebalancing moves some back. It returns
// that capacity. model.ErrNotFound if the node is not in the layout,
// model.ErrPrecondition if it is not drained (checked in the Raft apply, so
// a concurrent drain or undrain cannot slip between check and change) or
// gossip does not know its capacity (the node is not up).
func (m *Meta) UndrainNode(ctx context.Context, id string) (uint64, error) {
	if id == "" {
		return 0, fmt.Errorf("%w: empty node id", model.ErrInvalid)
	}
	var capacity uint64
	for _, s := range m.members.Servers() {
		if s.ID == id && s.Alive {
			capacity = s.Capacity
		}
	}
	if capacity == 0 {
		return 0, fmt.Errorf("%w: node %q is not up (or advertises no capacity): start it, then undrain", model.ErrPrecondition, id)
	}
	_, err := m.submit(ctx, &command{Op: opLayoutCapacity, Dur: &durabilityCmd{Node: id, Capacity: capacity, IfDrained: true}})
	if err != nil {
		return 0, err
	}
	return capacity, nil
}

// SetRepairRate sets the cluster-wide repair rate (bytes/s; 0 = node default).
func (m *Meta) SetRepairRate(ctx context.Context, bytesPerSec uint64) error {
	_, err := m.submit(ctx, &command{Op: opSetRepairRate, Dur: &durabilityCmd{Rate: bytesPerSec}})
	return err
}

// ReportRebalanced records that node finished rebalancing for layout version.
func (m *Meta) ReportRebalanced(ctx context.Context, node string, version uint64) error {
	if node == "" {
		return fmt.Errorf("%w: empty node id", model.ErrInvalid)
	}
	_, err := m.submit(ctx, &command{Op: opRebalanceDone, Dur: &durabilityCmd{Node: node, Version: version}})
	return err
}

// DurabilitySettings returns the cluster-wide durability settings.
func (m *Meta) DurabilitySettings(ctx context.Context) (DurabilitySettings, error) {
	var s DurabilitySettings
	if err := m.readBarrier(ctx); err != nil {
		return s, err
	}
	_, err := getJSON(m.fsm.db, keyRepairRate, &s.RepairRate)
	return s, err
}

// RebalanceReports returns every node's last rebalance report, by node ID.
func (m *Meta) RebalanceReports(ctx context.Context) ([]RebalanceReport, error) {
	if err := m.readBarrier(ctx); err != nil {
		return nil, err
	}
	it, err := m.fsm.db.NewIter(&pebble.IterOptions{LowerBound: prefixRebalDone, UpperBound: prefixEnd(prefixRebalDone)})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	out := []RebalanceReport{}
	for ok := it.First(); ok; ok = it.Next() {
		var v uint64
		if err := json.Unmarshal(it.Value(), &v); err != nil {
			return nil, fmt.Errorf("raftmeta: decode rebalance report: %w", err)
		}
		out = append(out, RebalanceReport{Node: string(it.Key()[len(prefixRebalDone):]), Version: v})
	}
	return out, it.Error()
}
