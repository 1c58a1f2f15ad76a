package shard

import (
	"slices"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/layout"
)

// Placement with history (layout.Layout.History):
//
// The base algorithm (place.go) chooses each chunk's node set almost exactly
// as rendezvous hashing would: when one node joins N, 1/(N+1) of the sets
// change, the ideal. Which index each member of the set holds, however, is a
// pure function of the current node list, and no such function we know keeps
// every member's index when the set changes by one member (at N = 8, 4+2,
// 1.14× the ideal number of shards moved; at N = 6, 1.35×).
//
// A layout therefore carries its earlier node lists, and placement replays
// them per chunk: the oldest list places the chunk with the base algorithm;
// each later list chooses the node set with the base algorithm, and every
// member that held an index under the previous list keeps it (relabel). Only
// the indexes of members that left are handed to the members that joined.
// A layout change then moves exactly the shards whose node left the chunk's
// set: the set movement, ≈ 1.00× the ideal. The rules of the base algorithm
// (distinct nodes, site cap, no shard on a drained node) are rules on the
// set, which relabelling does not change, and so is each node's load.
//
// Cost: one base placement per history entry (entries that place like
// their successor, such as a drain followed by that node's removal, are
// skipped). Layouts change by operator action (add, remove, drain,
// capacity), so histories hold tens of entries, but they never shrink:
// BenchmarkPlaceHistory measured 3.9 µs with none and 7.6/21/89 µs with
// 1/4/16 entries (12 nodes growing to 28, 8+3; about 5 µs per entry). Dropping the oldest entry
// would relabel chunks (measured: 2.9 % of shards move at ~15 nodes), so
// there is no cap. If the cost bites: pick each history entry's node set
// with a cheaper set-only function, or cache owner indexes per chunk and
// layout version in the repair pass.

// placeWithHistory replays p.history and then p's own list, see above.
func (p *Placer) placeWithHistory(id chunk.ID) []layout.NodeID {
	labels := p.history[0].basePlace(id)
	for _, h := range p.history[1:] {
		labels = relabel(h.basePlace(id), labels)
	}
	return relabel(p.basePlace(id), labels)
}

// relabel returns next's owners (a multiset of nodes, one per index)
// reordered so that every index whose previous owner is still in next keeps
// that owner. The nodes of next left over take the remaining indexes, both in
// ascending index order. Node IDs are never empty, so an empty entry of the
// result is an index not kept.
func relabel(next, prev []layout.NodeID) []layout.NodeID {
	total := len(next)
	var takenBuf [64]bool
	taken := takenBuf[:0]
	if total > len(takenBuf) {
		taken = make([]bool, total)
	}
	taken = taken[:total]
	out := make([]layout.NodeID, total)
	for i := range min(total, len(prev)) {
		for j, n := range next {
			if !taken[j] && n == prev[i] {
				out[i], taken[j] = n, true
				break
			}
		}
	}
	j := 0
	for i := range out {
		if out[i] != "" {
			continue
		}
		for taken[j] {
			j++
		}
		out[i], taken[j] = next[j], true
	}
	return out
}

// samePlacement reports whether two node lists place every chunk alike: the
// same nodes drawn from (placementNodes), with the same sites and
// capacities. A history entry that places like its successor is skipped.
func samePlacement(a, b []layout.Node) bool {
	ea, ua := placementNodes(a)
	eb, ub := placementNodes(b)
	return ua == ub && slices.Equal(ea, eb)
}
