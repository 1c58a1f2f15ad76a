package nemesis

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// Grudge maps a node index to the node indices whose packets it drops. The
// topologies below are symmetric: if a drops b then b drops a.
type Grudge map[int][]int

func (g Grudge) add(a, b int) {
	if a == b || slices.Contains(g[a], b) {
		return
	}
	g[a] = append(g[a], b)
	g[b] = append(g[b], a)
}

// cut separates every node of side a from every node of side b.
func cut(a, b []int) Grudge {
	g := Grudge{}
	for _, x := range a {
		for _, y := range b {
			g.add(x, y)
		}
	}
	return g
}

// Topology builds a grudge for n nodes; it returns the grudge and a label for
// the log.
type Topology func(n int, rng *rand.Rand) (Grudge, string)

// Halves splits the nodes randomly into a minority and a majority.
func Halves() Topology {
	return func(n int, rng *rand.Rand) (Grudge, string) {
		p := rng.Perm(n)
		a, b := p[:n/2], p[n/2:]
		return cut(a, b), fmt.Sprintf("halves %v | %v", a, b)
	}
}

// IsolateOne cuts node target from all others (the caller passes the
// leader's index via the func, evaluated at Invoke time).
func IsolateOne(target func() int) Topology {
	return func(n int, _ *rand.Rand) (Grudge, string) {
		t := target()
		var rest []int
		for i := range n {
			if i != t {
				rest = append(rest, i)
			}
		}
		return cut([]int{t}, rest), fmt.Sprintf("isolate %d", t)
	}
}

// IsolateRandom cuts one random node from all others.
func IsolateRandom() Topology {
	return func(n int, rng *rand.Rand) (Grudge, string) {
		t := rng.IntN(n)
		return IsolateOne(func() int { return t })(n, rng)
	}
}

// Bridge splits the nodes into two halves joined by one bridge node that
// sees both sides (Jepsen's partition-majorities-bridge): each side plus the
// bridge is a majority.
func Bridge() Topology {
	return func(n int, rng *rand.Rand) (Grudge, string) {
		p := rng.Perm(n)
		bridge := p[0]
		a, b := p[1:1+(n-1)/2], p[1+(n-1)/2:]
		return cut(a, b), fmt.Sprintf("bridge %d between %v | %v", bridge, a, b)
	}
}

// MajorityRing gives every node a view of a different majority: nodes sit on
// a random ring and each drops every node farther than k = ceil((n-1)/4) ring
// steps (Jepsen's majorities-ring). For n=5 each node sees itself and its two
// neighbours, a majority no other node shares exactly.
func MajorityRing() Topology {
	return func(n int, rng *rand.Rand) (Grudge, string) {
		p := rng.Perm(n)
		k := (n - 1 + 3) / 4
		g := Grudge{}
		for i := range n {
			for j := range n {
				d := min((j-i+n)%n, (i-j+n)%n)
				if d > k {
					g.add(p[i], p[j])
				}
			}
		}
		return g, fmt.Sprintf("majority ring %v", p)
	}
}
