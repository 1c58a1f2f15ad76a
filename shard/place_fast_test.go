package shard

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/datamon-io/datamon/layout"
)

// TestPlaceMergeMatchesScan: the merge (used when the layout has at least
// K+M eligible nodes) places every chunk exactly as the scan does, over
// random layouts: node counts, sites, capacities, drained nodes, policies.
func TestPlaceMergeMatchesScan(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	pols := []layout.Policy{{K: 2, M: 1}, {K: 4, M: 2}, {K: 6, M: 2}, {K: 8, M: 3}, {K: 10, M: 4}}
	layouts := 0
	for layouts < 60 {
		pol := pols[r.IntN(len(pols))]
		n := pol.Total() + r.IntN(30)
		nodes := equalNodes(n, 1+r.IntN(n), 1<<40)
		for i := range nodes {
			switch r.IntN(6) {
			case 0:
				nodes[i].Capacity = 0 // drained
			case 1, 2:
				nodes[i].Capacity = uint64(1+r.IntN(4)) << 38
			}
		}
		p := mustPlacer(t, mustLayout(t, pol, nodes))
		if !p.hard {
			continue
		}
		layouts++
		a, b := make([]int, pol.Total()), make([]int, pol.Total())
		for _, id := range testIDs(3000, uint64(layouts)) {
			p.placeIdxScan(id, a)
			p.placeIdxMerge(id, b)
			if !slices.Equal(a, b) {
				t.Fatalf("layout %d (%d nodes, %d sites, %s): %s scan %v merge %v", layouts, n, p.nsites, pol, id, a, b)
			}
		}
	}
}

func BenchmarkPlaceIdx(b *testing.B) {
	for _, tc := range []struct {
		n int
		p layout.Policy
	}{{6, layout.Policy{K: 4, M: 2}}, {12, layout.Policy{K: 8, M: 3}}, {32, layout.Policy{K: 4, M: 2}}, {100, layout.Policy{K: 8, M: 3}}} {
		p := mustPlacer(b, mustLayout(b, tc.p, equalNodes(tc.n, 4, 1<<40)))
		ids := testIDs(1024, 5)
		dst := make([]int, tc.p.Total())
		b.Run(fmt.Sprintf("%dn-%s/scan", tc.n, tc.p), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				p.placeIdxScan(ids[i%len(ids)], dst)
			}
		})
		b.Run(fmt.Sprintf("%dn-%s/merge", tc.n, tc.p), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				p.placeIdxMerge(ids[i%len(ids)], dst)
			}
		})
	}
}
