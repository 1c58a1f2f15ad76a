package shard

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/layout"
)

const propChunks = 100_000

func testIDs(n int, seed uint64) []chunk.ID {
	r := rand.New(rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)}))
	ids := make([]chunk.ID, n)
	for i := range ids {
		for j := 0; j < chunk.IDSize; j += 8 {
			v := r.Uint64()
			for b := 0; b < 8; b++ {
				ids[i][j+b] = byte(v >> (8 * b))
			}
		}
	}
	return ids
}

// equalNodes builds n nodes named n00.. spread round-robin over sites.
func equalNodes(n, sites int, capacity uint64) []layout.Node {
	out := make([]layout.Node, n)
	for i := range out {
		out[i] = layout.Node{ID: layout.NodeID(fmt.Sprintf("n%02d", i)), Site: fmt.Sprintf("s%d", i%sites), Capacity: capacity}
	}
	return out
}

func mustLayout(t testing.TB, p layout.Policy, nodes []layout.Node) layout.Layout {
	t.Helper()
	l, err := layout.New(1, p, nodes)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestPlaceRules(t *testing.T) {
	unequal := equalNodes(9, 3, 1<<40)
	for i := range unequal {
		unequal[i].Capacity = uint64(i+1) << 38
	}
	withDrained := equalNodes(8, 4, 1<<40)
	withDrained[3].Capacity, withDrained[6].Capacity = 0, 0
	cases := []struct {
		name  string
		p     layout.Policy
		nodes []layout.Node
		// wantCap is the most shards of one chunk one site may hold.
		wantCap int
		// wantNodeMax is the most shards of one chunk one node may hold.
		wantNodeMax int
	}{
		{"6n3s-4+2", layout.Policy{K: 4, M: 2}, equalNodes(6, 3, 1<<40), 2, 1},
		{"9n3s-4+2", layout.Policy{K: 4, M: 2}, equalNodes(9, 3, 1<<40), 2, 1},
		{"12n4s-8+3", layout.Policy{K: 8, M: 3}, equalNodes(12, 4, 1<<40), 3, 1},
		{"unequal-9n3s-4+2", layout.Policy{K: 4, M: 2}, unequal, 2, 1},
		{"drained-8n4s-4+2", layout.Policy{K: 4, M: 2}, withDrained, 2, 1},
		{"1site-6n-4+2", layout.Policy{K: 4, M: 2}, equalNodes(6, 1, 1<<40), 6, 1},
		{"2sites-6n-4+2", layout.Policy{K: 4, M: 2}, equalNodes(6, 2, 1<<40), 3, 1},
		{"4n2s-4+2-wrap", layout.Policy{K: 4, M: 2}, equalNodes(4, 2, 1<<40), 3, 2},
		{"3n3s-4+2-wrap", layout.Policy{K: 4, M: 2}, equalNodes(3, 3, 1<<40), 2, 2},
		{"1n-1+0", layout.Policy{K: 1, M: 0}, equalNodes(1, 1, 1<<40), 1, 1},
		{"2n-allzero-1+1", layout.Policy{K: 1, M: 1}, equalNodes(2, 2, 0), 1, 1},
	}
	ids := testIDs(propChunks, 1)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := mustLayout(t, tc.p, tc.nodes)
			p, err := NewPlacer(l)
			if err != nil {
				t.Fatal(err)
			}
			total := tc.p.Total()
			idx := make([]int, total)
			for _, id := range ids {
				p.placeIdx(id, idx)
				perNode := map[int]int{}
				perSite := map[int]int{}
				for _, j := range idx {
					perNode[j]++
					perSite[p.site[j]]++
					node, _ := l.Node(p.ids[j])
					if node.Capacity == 0 && tc.nodes[0].Capacity != 0 {
						t.Fatalf("%s: shard on drained node %s", id, node.ID)
					}
				}
				for j, c := range perNode {
					if c > tc.wantNodeMax {
						t.Fatalf("%s: node %s holds %d shards, max %d", id, p.ids[j], c, tc.wantNodeMax)
					}
				}
				// distinct nodes while possible; in wrap-around every eligible
				// node is used, so counts differ by at most one.
				if want := min(len(p.ids), total); len(perNode) != want {
					t.Fatalf("%s: %d distinct nodes, want %d", id, len(perNode), want)
				}
				for s, c := range perSite {
					if c > tc.wantCap {
						t.Fatalf("%s: site %d holds %d shards, cap %d", id, s, c, tc.wantCap)
					}
				}
			}
		})
	}
}

func TestPlaceDeterministic(t *testing.T) {
	nodes := equalNodes(12, 4, 1<<40)
	nodes[5].Capacity = 3 << 40
	a := mustLayout(t, layout.Policy{K: 8, M: 3}, nodes)
	shuffled := append([]layout.Node(nil), nodes...)
	rand.New(rand.NewPCG(7, 7)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	b := mustLayout(t, layout.Policy{K: 8, M: 3}, shuffled)
	raw := layout.Layout{Version: 9, Policy: layout.Policy{K: 8, M: 3}, Nodes: shuffled} // unsorted literal
	for _, id := range testIDs(2000, 2) {
		x, err1 := Place(id, a)
		y, err2 := Place(id, b)
		z, err3 := Place(id, raw)
		if err := errors.Join(err1, err2, err3); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(x) != fmt.Sprint(y) || fmt.Sprint(x) != fmt.Sprint(z) {
			t.Fatalf("%s: %v / %v / %v", id, x, y, z)
		}
	}
}

// TestPlaceGolden pins the hash: placement must agree across processes and
// releases, so any change to it is a data-migration event.
func TestPlaceGolden(t *testing.T) {
	l := mustLayout(t, layout.Policy{K: 4, M: 2}, equalNodes(9, 3, 1<<40))
	var got []string
	for _, s := range []string{"datamon", "a", "b"} {
		p, err := Place(chunk.Sum([]byte(s)), l)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprint(p))
	}
	if want := goldenPlacement; fmt.Sprint(got) != want {
		t.Fatalf("placement changed: got %v, want %s", got, want)
	}
}

func TestPlaceErrorsAndHelpers(t *testing.T) {
	id := chunk.Sum([]byte("x"))
	if _, err := Place(id, layout.Layout{Policy: layout.Policy{K: 1}}); !errors.Is(err, ErrNoNodes) {
		t.Fatalf("empty layout: %v", err)
	}
	bad := layout.Layout{Policy: layout.Policy{K: 0, M: 1}, Nodes: equalNodes(2, 1, 1)}
	if _, err := Place(id, bad); !errors.Is(err, ErrBadPolicy) {
		t.Fatalf("bad policy: %v", err)
	}
	l := mustLayout(t, layout.Policy{K: 2, M: 1}, equalNodes(5, 3, 1<<30))
	owners, err := Place(id, l)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range owners {
		got, err := PlaceShard(id, i, l)
		if err != nil || got != n {
			t.Fatalf("PlaceShard(%d) = %s, %v; want %s", i, got, err, n)
		}
		idx, err := Owners(id, l, n)
		if err != nil || len(idx) != 1 || idx[0] != uint8(i) {
			t.Fatalf("Owners(%s) = %v, %v; want [%d]", n, idx, err, i)
		}
	}
	if _, err := PlaceShard(id, 3, l); !errors.Is(err, ErrBadIndex) {
		t.Fatalf("index 3: %v", err)
	}
	if idx, _ := Owners(id, l, "nobody"); len(idx) != 0 {
		t.Fatalf("unknown node owns %v", idx)
	}
}

// goldenPlacement: layered slot preferences (was home slot + greedy, which
// gave [[n08 n03 n04 n07 n02 n00] [n04 n02 n08 n01 n00 n03] [n06 n05 n04 n03 n01 n08]]).
const goldenPlacement = "[[n00 n01 n03 n05 n08 n04] [n08 n02 n00 n07 n04 n03] [n06 n04 n05 n08 n07 n03]]"
