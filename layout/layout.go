package layout

import (
	"errors"
	"fmt"
	"slices"
	"sort"
)

// NodeID names a node for its whole life. It never changes across restarts.
type NodeID string

// Node is one storage node as the layout knows it.
type Node struct {
	ID   NodeID `json:"id"`
	Site string `json:"site"`
	// Capacity is the node's weight for placement, in bytes. Zero means the
	// node takes no new shards (drained or full).
	Capacity uint64 `json:"capacity"`
}

// Policy is the erasure-coding policy: K data shards and M parity shards.
type Policy struct {
	K int `json:"k"`
	M int `json:"m"`
}

// Layout is one numbered version of the cluster layout.
type Layout struct {
	Version uint64 `json:"version"`
	Policy  Policy `json:"policy"`
	Nodes   []Node `json:"nodes"` // sorted by ID
	// History holds the earlier node lists, oldest first, each sorted by
	// ID: one entry per layout change that changed Nodes. Placement
	// (package shard) walks it so that a node that keeps its place in a
	// chunk's node set keeps the shard index it holds; see shard.Placer.
	// It only grows; Successor appends to it.
	History [][]Node `json:"history,omitempty"`
}

// Sentinel errors.
var (
	ErrBadPolicy   = errors.New("layout: invalid erasure policy")
	ErrDuplicateID = errors.New("layout: duplicate node id")
	ErrEmptyNodeID = errors.New("layout: empty node id")
	ErrUnknownNode = errors.New("layout: unknown node")
)

// MaxShards bounds K+M; shard indexes fit in one byte.
const MaxShards = 255

// Validate checks the policy bounds.
func (p Policy) Validate() error {
	if p.K < 1 || p.M < 0 || p.K+p.M > MaxShards {
		return fmt.Errorf("%w: %d+%d", ErrBadPolicy, p.K, p.M)
	}
	return nil
}

// Total is K+M.
func (p Policy) Total() int { return p.K + p.M }

// String formats the policy as "K+M".
func (p Policy) String() string { return fmt.Sprintf("%d+%d", p.K, p.M) }

// ParsePolicy parses "K+M".
func ParsePolicy(s string) (Policy, error) {
	var p Policy
	if _, err := fmt.Sscanf(s, "%d+%d", &p.K, &p.M); err != nil {
		return Policy{}, fmt.Errorf("%w: %q (want K+M, e.g. 4+2)", ErrBadPolicy, s)
	}
	if fmt.Sprintf("%d+%d", p.K, p.M) != s {
		return Policy{}, fmt.Errorf("%w: %q (want K+M, e.g. 4+2)", ErrBadPolicy, s)
	}
	return p, p.Validate()
}

// DefaultPolicy chooses an EC policy from the number of storage nodes:
// it keeps at least two shards of redundancy once there are four nodes,
// and never asks for more shards than nodes.
//
//	1 node: 1+0   2 nodes: 1+1   3 nodes: 2+1   4-5 nodes: 2+2
//	6-7 nodes: 4+2   8-11 nodes: 6+2   12+ nodes: 8+3
func DefaultPolicy(nodes int) Policy {
	switch {
	case nodes <= 1:
		return Policy{K: 1, M: 0}
	case nodes == 2:
		return Policy{K: 1, M: 1}
	case nodes == 3:
		return Policy{K: 2, M: 1}
	case nodes < 6:
		return Policy{K: 2, M: 2}
	case nodes < 8:
		return Policy{K: 4, M: 2}
	case nodes < 12:
		return Policy{K: 6, M: 2}
	default:
		return Policy{K: 8, M: 3}
	}
}

// New builds a layout, sorting nodes by ID and validating it.
func New(version uint64, p Policy, nodes []Node) (Layout, error) {
	if err := p.Validate(); err != nil {
		return Layout{}, err
	}
	ns := append([]Node(nil), nodes...)
	sort.Slice(ns, func(i, j int) bool { return ns[i].ID < ns[j].ID })
	for i, n := range ns {
		if n.ID == "" {
			return Layout{}, ErrEmptyNodeID
		}
		if i > 0 && ns[i-1].ID == n.ID {
			return Layout{}, fmt.Errorf("%w: %s", ErrDuplicateID, n.ID)
		}
	}
	return Layout{Version: version, Policy: p, Nodes: ns}, nil
}

// Node returns the node with the given ID.
func (l Layout) Node(id NodeID) (Node, bool) {
	i := sort.Search(len(l.Nodes), func(i int) bool { return l.Nodes[i].ID >= id })
	if i < len(l.Nodes) && l.Nodes[i].ID == id {
		return l.Nodes[i], true
	}
	return Node{}, false
}

// Sites returns the distinct sites, sorted.
func (l Layout) Sites() []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range l.Nodes {
		if !seen[n.Site] {
			seen[n.Site] = true
			out = append(out, n.Site)
		}
	}
	sort.Strings(out)
	return out
}

// Successor returns the layout that follows l with the given nodes: the
// version bumped, the policy kept and, when the node list changes, l's nodes
// appended to the history. Errors as New.
func (l Layout) Successor(nodes []Node) (Layout, error) {
	next, err := New(l.Version+1, l.Policy, nodes)
	if err != nil {
		return Layout{}, err
	}
	next.History = l.History
	if !slices.Equal(l.Nodes, next.Nodes) {
		next.History = append(l.History[:len(l.History):len(l.History)], l.Nodes)
	}
	return next, nil
}

// With returns the successor of l with n added or replaced.
func (l Layout) With(n Node) Layout {
	nodes := make([]Node, 0, len(l.Nodes)+1)
	replaced := false
	for _, x := range l.Nodes {
		if x.ID == n.ID {
			x, replaced = n, true
		}
		nodes = append(nodes, x)
	}
	if !replaced {
		nodes = append(nodes, n)
	}
	out, err := l.Successor(nodes)
	if err != nil { // only an empty ID can fail: keep l's nodes as they were
		out, _ = l.Successor(l.Nodes)
	}
	return out
}

// Without returns the successor of l without node id.
func (l Layout) Without(id NodeID) (Layout, error) {
	if _, ok := l.Node(id); !ok {
		return l, fmt.Errorf("%w: %s", ErrUnknownNode, id)
	}
	nodes := make([]Node, 0, len(l.Nodes))
	for _, x := range l.Nodes {
		if x.ID != id {
			nodes = append(nodes, x)
		}
	}
	return l.Successor(nodes)
}

// Equal reports whether two layouts have the same nodes, policy and history
// (the version is ignored): whether they place every chunk the same.
func (l Layout) Equal(o Layout) bool {
	return l.Policy == o.Policy && slices.Equal(l.Nodes, o.Nodes) &&
		slices.EqualFunc(l.History, o.History, slices.Equal[[]Node])
}
