package shard

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/datamon-io/datamon/layout"
)

// TestPlaceHistorySequence walks a layout through joins, a drain, a
// removal, a capacity change and a wrap-around start (fewer nodes than
// shards) and checks at every step, for every chunk: the owners are the base
// algorithm's multiset for the current nodes (so the rules and the load are
// the base algorithm's), and the shard indexes that change owner are exactly
// the set members that left.
func TestPlaceHistorySequence(t *testing.T) {
	ids := testIDs(20_000, 9)
	pol := layout.Policy{K: 4, M: 2}
	nodes := equalNodes(14, 7, 1<<40)
	l := mustLayout(t, pol, nodes[:4]) // 4 nodes for 6 shards: wrap-around
	steps := []struct {
		name   string
		change func(layout.Layout) (layout.Layout, error)
	}{
		{"join n04", func(l layout.Layout) (layout.Layout, error) { return l.With(nodes[4]), nil }},
		{"join n05..n09", func(l layout.Layout) (layout.Layout, error) {
			return l.Successor(append(slices.Clone(l.Nodes), nodes[5:10]...))
		}},
		{"drain n02", func(l layout.Layout) (layout.Layout, error) {
			n, _ := l.Node("n02")
			n.Capacity = 0
			return l.With(n), nil
		}},
		{"remove n02", func(l layout.Layout) (layout.Layout, error) { return l.Without("n02") }},
		{"double n07", func(l layout.Layout) (layout.Layout, error) {
			n, _ := l.Node("n07")
			n.Capacity *= 2
			return l.With(n), nil
		}},
		{"remove n00 (lost)", func(l layout.Layout) (layout.Layout, error) { return l.Without("n00") }},
		{"join n10..n13", func(l layout.Layout) (layout.Layout, error) {
			return l.Successor(append(slices.Clone(l.Nodes), nodes[10:]...))
		}},
	}
	prev := mustPlacer(t, l)
	for si, st := range steps {
		next, err := st.change(l)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if len(next.History) != si+1 {
			t.Fatalf("%s: history has %d entries, want %d", st.name, len(next.History), si+1)
		}
		np := mustPlacer(t, next)
		base := next
		base.History = nil
		bp := mustPlacer(t, base)
		var m moveCount
		for _, id := range ids {
			a, b := prev.Place(id), np.Place(id)
			m.add(a, b)
			got, want := slices.Clone(b), bp.Place(id)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("%s: %s owners %v, base algorithm's set %v", st.name, id, b, want)
			}
		}
		if m.shards != m.nodes {
			t.Errorf("%s: %d shard indexes changed owner, %d set members changed", st.name, m.shards, m.nodes)
		}
		t.Logf("%s: %.2f%% of shards moved", st.name, 100*float64(m.shards)/float64(m.all))
		prev, l = np, next
	}
}

// TestPlaceHistoryDeterministic: a layout with history places the same
// after a JSON round trip (how raftmeta stores it) and with its node lists
// in another order.
func TestPlaceHistoryDeterministic(t *testing.T) {
	nodes := equalNodes(10, 5, 1<<40)
	l := mustLayout(t, layout.Policy{K: 4, M: 2}, nodes[:7])
	l = l.With(nodes[7])
	l, _ = l.Without("n03")
	l, _ = l.Successor(append(slices.Clone(l.Nodes), nodes[8:]...))
	js, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	var back layout.Layout
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	for _, h := range back.History {
		slices.Reverse(h)
	}
	slices.Reverse(back.Nodes)
	a, b := mustPlacer(t, l), mustPlacer(t, back)
	for _, id := range testIDs(5000, 10) {
		if x, y := a.Place(id), b.Place(id); !slices.Equal(x, y) {
			t.Fatalf("%s: %v after round trip %v", id, x, y)
		}
	}
}

func TestRelabel(t *testing.T) {
	ids := func(s ...string) []layout.NodeID {
		out := make([]layout.NodeID, len(s))
		for i, x := range s {
			out[i] = layout.NodeID(x)
		}
		return out
	}
	for _, tc := range []struct{ next, prev, want []layout.NodeID }{
		// one member replaced: the newcomer takes exactly its index.
		{ids("e", "a", "b", "c"), ids("a", "b", "d", "c"), ids("a", "b", "e", "c")},
		// two replaced: newcomers fill the freed indexes in order.
		{ids("f", "a", "e", "c"), ids("a", "b", "d", "c"), ids("a", "f", "e", "c")},
		// multiset (fewer nodes than shards): each copy keeps one index.
		{ids("a", "b", "a", "c"), ids("a", "a", "b", "b"), ids("a", "a", "b", "c")},
		// nothing in common.
		{ids("x", "y"), ids("a", "b"), ids("x", "y")},
	} {
		if got := relabel(slices.Clone(tc.next), tc.prev); !slices.Equal(got, tc.want) {
			t.Errorf("relabel(%v, %v) = %v, want %v", tc.next, tc.prev, got, tc.want)
		}
	}
}

func BenchmarkPlaceHistory(b *testing.B) {
	nodes := equalNodes(40, 4, 1<<40)
	ids := testIDs(1024, 11)
	for _, h := range []int{0, 1, 4, 16} {
		b.Run(fmt.Sprintf("12n-8+3-history%d", h), func(b *testing.B) {
			l := mustLayout(b, layout.Policy{K: 8, M: 3}, nodes[:12])
			for i := range h {
				l = l.With(nodes[12+i])
			}
			p := mustPlacer(b, l)
			for i := 0; b.Loop(); i++ {
				_ = p.Place(ids[i%len(ids)])
			}
		})
	}
}

// TestPlaceHistorySkipsEquivalentEntries: a drain followed by the removal of
// the drained node leaves two history entries that place alike; the Placer
// replays one of them, and places exactly as the full replay does.
func TestPlaceHistorySkipsEquivalentEntries(t *testing.T) {
	nodes := equalNodes(9, 9, 1<<40)
	l := mustLayout(t, layout.Policy{K: 4, M: 2}, nodes[:8])
	drained := nodes[3]
	drained.Capacity = 0
	l = l.With(drained)
	l, _ = l.Without(drained.ID)
	l = l.With(nodes[8])
	if len(l.History) != 3 {
		t.Fatalf("history %d entries, want 3", len(l.History))
	}
	p := mustPlacer(t, l)
	if len(p.history) != 2 {
		t.Fatalf("placer replays %d entries, want 2 (drain and removal place alike)", len(p.history))
	}
	var full []*Placer
	for _, h := range append(slices.Clone(l.History), l.Nodes) {
		bp, err := newBasePlacer(layout.Layout{Policy: l.Policy, Nodes: h})
		if err != nil {
			t.Fatal(err)
		}
		full = append(full, bp)
	}
	for _, id := range testIDs(5000, 13) {
		want := full[0].basePlace(id)
		for _, bp := range full[1:] {
			want = relabel(bp.basePlace(id), want)
		}
		if got := p.Place(id); !slices.Equal(got, want) {
			t.Fatalf("%s: %v, full replay %v", id, got, want)
		}
	}
}
