package shard

import (
	"fmt"
	"math"
	"testing"

	"github.com/datamon-io/datamon/layout"
)

// TestPlaceMovement adds one equal node to N equal nodes and counts how many
// (chunk, shard index) assignments change owner, and how many chunks change
// their set of nodes. The ideal for both is 1/(N+1). The joined layout is
// the successor of the first, so it carries the first node list as history
// and members of a chunk's set keep their index (place_history.go); the
// base algorithm alone (the same node list without history) is measured too.
func TestPlaceMovement(t *testing.T) {
	ids := testIDs(propChunks, 3)
	pol := layout.Policy{K: 4, M: 2}
	for _, tc := range []struct {
		n, sites int
		// maxRatio bounds moved shards / ideal with history; node sets move
		// the same amount by construction.
		maxRatio float64
		// maxBaseRatio bounds the base algorithm's shard-index movement
		// (measured 1.35/1.14/1.01/1.01× with one node per site; no pure
		// function of one node list we know reaches 1.10 at N=8).
		maxBaseRatio float64
	}{
		// one node per site: no site cap binds; the bound is 1.10.
		{6, 7, 1.10, 1.40}, {8, 9, 1.10, 1.15}, {12, 13, 1.10, 1.06}, {16, 17, 1.10, 1.04}, {32, 33, 1.10, 1.03},
		// 4 sites, cap 2 per site: the joiner makes its site bigger than the
		// others, and the cap (not capacity) then bounds that site's share,
		// so more node sets change than the ideal (measured 1.03/1.23/1.31×).
		{8, 4, 1.10, 1.28}, {16, 4, 1.30, 1.30}, {32, 4, 1.40, 1.34},
	} {
		t.Run(fmt.Sprintf("%dn%ds", tc.n, tc.sites), func(t *testing.T) {
			nodes := equalNodes(tc.n+1, tc.sites, 1<<40)
			first := mustLayout(t, pol, nodes[:tc.n])
			joined, err := first.Successor(nodes)
			if err != nil {
				t.Fatal(err)
			}
			base := joined
			base.History = nil
			before, after, afterBase := mustPlacer(t, first), mustPlacer(t, joined), mustPlacer(t, base)
			var m, mb moveCount
			for _, id := range ids {
				a := before.Place(id)
				m.add(a, after.Place(id))
				mb.add(a, afterBase.Place(id))
			}
			ideal := 1 / float64(tc.n+1)
			shardRatio, nodeRatio := m.ratios(ideal)
			baseRatio, _ := mb.ratios(ideal)
			t.Logf("N=%d: with history node-set moves %.3f× and shard-index moves %.3f× the ideal %.4f; base algorithm shard-index moves %.3f×",
				tc.n, nodeRatio, shardRatio, ideal, baseRatio)
			if m.shards != m.nodes {
				t.Errorf("with history %d shard indexes moved but %d set members changed", m.shards, m.nodes)
			}
			if shardRatio < 0.9 || shardRatio > tc.maxRatio {
				t.Errorf("shard-index movement %.3f× ideal, want in [0.9, %.2f]", shardRatio, tc.maxRatio)
			}
			if baseRatio < 0.9 || baseRatio > tc.maxBaseRatio {
				t.Errorf("base shard-index movement %.3f× ideal, want in [0.9, %.2f]", baseRatio, tc.maxBaseRatio)
			}
		})
	}
}

// moveCount counts, between two placements of the same chunks, the shard
// indexes whose owner changed and the set members that are new.
type moveCount struct{ shards, nodes, all int }

func (m *moveCount) add(a, b []layout.NodeID) {
	m.all += len(a)
	left := map[layout.NodeID]int{}
	for i := range a {
		left[a[i]]++
		if a[i] != b[i] {
			m.shards++
		}
	}
	for _, n := range b {
		if left[n] > 0 {
			left[n]--
		} else {
			m.nodes++
		}
	}
}

func (m moveCount) ratios(ideal float64) (shard, node float64) {
	all := float64(m.all)
	return float64(m.shards) / all / ideal, float64(m.nodes) / all / ideal
}

func mustPlacer(t testing.TB, l layout.Layout) *Placer {
	t.Helper()
	p, err := NewPlacer(l)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPlaceLoad checks that every node's share of shards is within 10% of its
// capacity share.
func TestPlaceLoad(t *testing.T) {
	ids := testIDs(propChunks, 4)
	mix := equalNodes(12, 3, 0)
	for i := range mix {
		mix[i].Capacity = []uint64{2, 1, 1, 2}[i/3] << 40 // sites alike: 2,2,1,1 each
	}
	mixSmall := equalNodes(8, 4, 0)
	for i := range mixSmall {
		mixSmall[i].Capacity = []uint64{2, 1}[i/4] << 40 // sites alike: 2,1 each
	}
	perNodeSite := equalNodes(10, 10, 0)
	for i := range perNodeSite {
		perNodeSite[i].Capacity = []uint64{2, 1}[i%2] << 40
	}
	oneSite := equalNodes(10, 1, 0)
	for i := range oneSite {
		oneSite[i].Capacity = []uint64{2, 1, 1}[i%3] << 40
	}
	for _, tc := range []struct {
		name  string
		p     layout.Policy
		nodes []layout.Node
	}{
		{"2:1-10n10s-4+2", layout.Policy{K: 4, M: 2}, perNodeSite},
		{"2:1:1-10n1s-4+2", layout.Policy{K: 4, M: 2}, oneSite},
		{"equal-12n4s-8+3", layout.Policy{K: 8, M: 3}, equalNodes(12, 4, 1<<40)},
		{"equal-9n3s-4+2", layout.Policy{K: 4, M: 2}, equalNodes(9, 3, 1<<40)},
		{"2:1:1-12n3s-4+2", layout.Policy{K: 4, M: 2}, mix},
		{"2:1-8n4s-2+1", layout.Policy{K: 2, M: 1}, mixSmall},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := mustLayout(t, tc.p, tc.nodes)
			p, err := NewPlacer(l)
			if err != nil {
				t.Fatal(err)
			}
			load := make([]int, len(p.ids))
			idx := make([]int, tc.p.Total())
			for _, id := range ids {
				p.placeIdx(id, idx)
				for _, j := range idx {
					load[j]++
				}
			}
			var wsum float64
			for _, n := range tc.nodes {
				wsum += float64(n.Capacity)
			}
			all := float64(len(ids) * tc.p.Total())
			worst := 0.0
			for j, n := range load {
				node, _ := l.Node(p.ids[j])
				want := float64(node.Capacity) / wsum
				got := float64(n) / all
				worst = math.Max(worst, math.Abs(got/want-1))
				if math.Abs(got/want-1) > 0.10 {
					t.Errorf("%s: share %.4f, capacity share %.4f (%.1f%% off)", p.ids[j], got, want, 100*(got/want-1))
				}
			}
			t.Logf("worst deviation from capacity share: %.1f%%", 100*worst)
		})
	}
}

func BenchmarkPlace(b *testing.B) {
	for _, tc := range []struct {
		n int
		p layout.Policy
	}{{6, layout.Policy{K: 4, M: 2}}, {12, layout.Policy{K: 8, M: 3}}, {32, layout.Policy{K: 4, M: 2}}} {
		b.Run(fmt.Sprintf("%dn-%s", tc.n, tc.p), func(b *testing.B) {
			l := mustLayout(b, tc.p, equalNodes(tc.n, 4, 1<<40))
			ids := testIDs(1024, 5)
			b.Run("Place", func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					if _, err := Place(ids[i%len(ids)], l); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("Placer", func(b *testing.B) {
				p, _ := NewPlacer(l)
				for i := 0; b.Loop(); i++ {
					_ = p.Place(ids[i%len(ids)])
				}
			})
		})
	}
}
