package api

import "testing"

// TestRouteTable: RouteTable is the router's own list (every route of a
// Server, in match order, with its method and pattern), without duplicates.
func TestRouteTable(t *testing.T) {
	s := New(Config{}, nil, nil, nil)
	rt := RouteTable()
	if len(rt) != len(s.routes)+3 || rt[0].Pattern != PathHealthz || rt[1].Pattern != PathLivez || rt[2].Pattern != PathReadyz {
		t.Fatalf("RouteTable has %d routes, the server %d (+ the 3 probes)", len(rt), len(s.routes))
	}
	seen := map[string]bool{}
	for i, r := range rt[3:] {
		k := r.Method + " " + r.Pattern
		if seen[k] {
			t.Errorf("route %s listed twice", k)
		}
		seen[k] = true
		if s.routes[i].method != r.Method || s.routes[i].name != r.Pattern || s.routes[i].unsignedOK != r.UnsignedBody {
			t.Errorf("route %d: %+v, server has %s %s", i, r, s.routes[i].method, s.routes[i].name)
		}
	}
}
