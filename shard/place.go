package shard

import (
	"fmt"
	"math"
	"sort"

	"github.com/cespare/xxhash/v2"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/layout"
)

// Placement algorithm (weighted rendezvous hashing per shard index, with
// per-node slot preferences taken layer by layer):
//
// Every (chunk, shard index, node) triple gets a uniform hash h in (0,1) and
// the weighted-HRW score -w/ln(h), w = node capacity (corrected, see
// inclusionWeights and scoreSkew). Every node also ranks the K+M slots by
// an independent per-chunk hash: its preference order, first entry its home
// slot. Node j proposes to its ℓ-th preference at time ℓ/pace_j (pace = the
// corrected capacity, so a heavy node walks its list faster; equal nodes
// propose in lockstep layers). The (index, node) pairs are taken greedily in
// time order, skipping pairs whose index is already placed or whose node or
// site is not allowed:
//
//   - a node holds at most one shard of the chunk while the layout has at
//     least K+M eligible nodes; with fewer, nodes are reused in rounds (every
//     eligible node once per round), so counts differ by at most one;
//   - a site holds at most cap shards of the chunk, cap = M when the sites
//     can hold K+M shards that way, else the smallest cap that can. With
//     fewer than K+M nodes the cap is a preference only.
//
// Ties in time (equal paces) go to the highest score at home in the first
// layer and to the node weakest at its home in later layers.
//
// Why: a joining node y should take exactly one index from a node that then
// drops out. At time 0 the home slots partition the nodes, so y competes
// for one index only and the node it beats has no claim on any other index
// at that layer. Slots nobody calls home are filled later, one proposal per
// node per layer, preferring nodes weak at home, so a node just displaced
// from its home (strong there) rarely takes one. Measured over 100k chunks,
// 4+2, one equal node joining N (one node per site): shard-index moves
// 1.35/1.14/1.04/1.01/1.01× the ideal 1/(N+1) for N = 6/8/12/16/32 (home
// slot + greedy rest: 1.37/1.17/1.05/1.02/1.00×; plain per-index greedy:
// 1.25× at N = 8). Node sets move ≈ 1.00× the ideal.
//
// The excess comes from slots nobody calls home (6·(5/6)^N per chunk for
// 4+2 and N equal nodes): a node displaced from its home can still land on
// one, and then a second index moves. For K+M = 2 a perfect pure function
// exists (the highest and the lowest of one per-chunk order); for larger
// K+M we know none, and every variant we measured (deferred acceptance,
// two-slot classes, serial dictatorship, set-then-label, score-ordered or
// cyclic later layers) moved 1.13× the ideal or more at N = 8. That is why
// a layout carries its history (place_history.go): the base algorithm
// chooses the node set, the history keeps each staying member's index.

// golden is the 64-bit golden-ratio constant used to spread slot numbers.
const golden = 0x9e3779b97f4a7c15

// scoreSkew sharpens the (Rosén-corrected) weights in the scores: a node
// competes for its home slot only against the nodes sharing it, which
// favours light nodes more than successive sampling does. Measured, not
// derived: together with the pace, 1.2 keeps the 2:1 and 2:1:1 mixes of
// TestPlaceLoad within ~6% of their capacity shares.
const scoreSkew = 1.2

// prefSalt separates the preference hash from the per-slot scores.
const prefSalt = 0x6a09e667f3bcc909

// Placer is a layout prepared for placement: node hashes, weights and the
// site cap are computed once. It is immutable and safe for concurrent use.
type Placer struct {
	ids     []layout.NodeID // eligible nodes, sorted by ID
	site    []int           // site number per eligible node
	weight  []float64       // per eligible node: score weight
	pace    []float64       // per eligible node: preference walking speed
	salt    []uint64        // per (slot, node): salt[slot*len(ids)+node]
	psalt   []uint64        // per (slot, node): salt of the preference hash
	nsites  int
	total   int // K+M
	siteCap int
	hard    bool // the site cap always holds (enough eligible nodes)
	// history places under the layout's earlier node lists, oldest first
	// (place_history.go); empty for a layout without history.
	history []*Placer
}

// NewPlacer prepares l for placement. The node order in l does not matter.
func NewPlacer(l layout.Layout) (*Placer, error) {
	p, err := newBasePlacer(l)
	if err != nil {
		return nil, err
	}
	for i, nodes := range l.History {
		next := l.Nodes
		if i+1 < len(l.History) {
			next = l.History[i+1]
		}
		if len(nodes) == 0 || samePlacement(nodes, next) {
			continue // e.g. a drain followed by the removal of that node
		}
		h, err := newBasePlacer(layout.Layout{Policy: l.Policy, Nodes: nodes})
		if err != nil {
			return nil, fmt.Errorf("shard: layout history: %w", err)
		}
		p.history = append(p.history, h)
	}
	return p, nil
}

// placementNodes returns the nodes placement draws from, sorted by ID: those
// with capacity > 0 or, when none has any, all of them with equal weight
// (uniform).
func placementNodes(nodes []layout.Node) (elig []layout.Node, uniform bool) {
	sorted := append([]layout.Node(nil), nodes...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	for _, n := range sorted {
		if n.Capacity > 0 {
			elig = append(elig, n)
		}
	}
	if len(elig) == 0 {
		return sorted, true
	}
	return elig, false
}

// newBasePlacer prepares one node list, ignoring l.History.
func newBasePlacer(l layout.Layout) (*Placer, error) {
	if len(l.Nodes) == 0 {
		return nil, ErrNoNodes
	}
	if err := l.Policy.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadPolicy, err)
	}
	elig, uniform := placementNodes(l.Nodes)
	p := &Placer{total: l.Policy.Total()}
	siteNum := map[string]int{}
	var perSite []int
	for _, n := range elig {
		s, ok := siteNum[n.Site]
		if !ok {
			s = len(perSite)
			siteNum[n.Site] = s
			perSite = append(perSite, 0)
		}
		perSite[s]++
		w := float64(n.Capacity)
		if uniform {
			w = 1
		}
		p.ids = append(p.ids, n.ID)
		p.site = append(p.site, s)
		p.weight = append(p.weight, w)
	}
	p.nsites = len(perSite)
	p.salt = make([]uint64, p.total*len(p.ids))
	for j, id := range p.ids {
		seed := xxhash.Sum64String(string(id))
		for i := 0; i < p.total; i++ {
			p.salt[i*len(p.ids)+j] = fmix64(seed + uint64(i+1)*golden)
		}
	}
	p.psalt = make([]uint64, p.total*len(p.ids))
	for j, id := range p.ids {
		seed := xxhash.Sum64String(string(id)) ^ prefSalt
		for i := 0; i < p.total; i++ {
			p.psalt[i*len(p.ids)+j] = fmix64(seed + uint64(i+1)*golden)
		}
	}
	perNode := (p.total + len(p.ids) - 1) / len(p.ids)
	p.siteCap = minSiteCap(perSite, perNode, p.total, l.Policy.M)
	p.pace = inclusionWeights(p.weight, p.site, p.nsites, p.total, p.siteCap)
	p.hard = len(p.ids) >= p.total
	p.weight = append([]float64(nil), p.pace...)
	if !equal(p.weight) {
		for j := range p.weight {
			p.weight[j] = math.Pow(p.weight[j], scoreSkew)
		}
	}
	return p, nil
}

// Total is the number of shards per chunk (K+M).
func (p *Placer) Total() int { return p.total }

// Place returns the owner of every shard of id: entry i owns shard i.
func (p *Placer) Place(id chunk.ID) []layout.NodeID {
	if len(p.history) == 0 {
		return p.basePlace(id)
	}
	return p.placeWithHistory(id)
}

// basePlace places id under p's own node list, ignoring the history.
func (p *Placer) basePlace(id chunk.ID) []layout.NodeID {
	idx := make([]int, p.total)
	p.placeIdx(id, idx)
	out := make([]layout.NodeID, p.total)
	for i, j := range idx {
		out[i] = p.ids[j]
	}
	return out
}

// placeIdx writes the owner (index into p.ids) of every shard into dst.
// Greedy over all (shard index, node) pairs in (time, value) order, see the
// algorithm comment at the top: a pair is taken when the index is
// unassigned, the node is unused in the current round and its site is under
// the cap. With fewer eligible nodes than shards, rounds of len(p.ids)
// indexes reuse every node once per round. With at least K+M eligible
// nodes (p.hard) the same greedy runs as a merge (place_fast.go).
func (p *Placer) placeIdx(id chunk.ID, dst []int) {
	if p.hard {
		p.placeIdxMerge(id, dst)
		return
	}
	p.placeIdxScan(id, dst)
}

// placeIdxScan is the greedy as a scan over every remaining pair per pick.
func (p *Placer) placeIdxScan(id chunk.ID, dst []int) {
	n, total := len(p.ids), p.total
	base := xxhash.Sum64(id[:])
	var usesBuf, sitesBuf [64]int
	var valBuf, timeBuf [512]float64
	var prefBuf [64]uint64
	uses := grow(usesBuf[:0], n)
	sites := grow(sitesBuf[:0], p.nsites)
	vals := grow(valBuf[:0], total*n)
	times := grow(timeBuf[:0], total*n)
	prefs := grow(prefBuf[:0], total)
	for j := range n {
		home := p.prefs(base, j, prefs)
		hs := p.score(base, p.salt[home*n+j], j)
		for i := range total {
			layer := 0 // position of slot i in node j's preference order
			for _, x := range prefs {
				if x < prefs[i] {
					layer++
				}
			}
			k := i*n + j
			times[k] = float64(layer) / p.pace[j]
			if layer == 0 {
				vals[k] = hs
			} else {
				vals[k] = -hs
			}
		}
	}
	for i := range dst {
		dst[i] = -1
	}
	for round := 0; round*n < total; round++ {
		lo, hi := round*n, min((round+1)*n, total)
		for range hi - lo {
			bi, bj, fi, fj := -1, -1, -1, -1
			var bt, bv, ft, fv float64
			for i := lo; i < hi; i++ {
				if dst[i] >= 0 {
					continue
				}
				for j := range n {
					if uses[j] != round {
						continue
					}
					t, v := times[i*n+j], vals[i*n+j]
					if sites[p.site[j]] < p.siteCap {
						if bi < 0 || t < bt || (t == bt && v > bv) {
							bi, bj, bt, bv = i, j, t, v
						}
					} else if fi < 0 || t < ft || (t == ft && v > fv) {
						fi, fj, ft, fv = i, j, t, v
					}
				}
			}
			if bi < 0 { // only possible when the cap is a preference (!p.hard)
				bi, bj = fi, fj
			}
			dst[bi] = bj
			uses[bj]++
			sites[p.site[bj]]++
		}
	}
}

// prefs fills dst (len K+M) with node j's per-chunk slot hashes (lower is
// preferred) and returns its home slot, the most preferred.
func (p *Placer) prefs(base uint64, j int, dst []uint64) (home int) {
	n := len(p.ids)
	for i := range dst {
		dst[i] = fmix64(base ^ p.psalt[i*n+j])
		if dst[i] < dst[home] {
			home = i
		}
	}
	return home
}

// grow returns buf extended to n zero elements, reallocating if needed.
func grow[T any](buf []T, n int) []T {
	if n <= cap(buf) {
		return buf[:n]
	}
	return make([]T, n)
}

// score is the weighted-HRW score -w/ln(u), u uniform in (0,1).
func (p *Placer) score(base, salt uint64, j int) float64 {
	u := (float64(fmix64(base^salt)>>11) + 0.5) / (1 << 53)
	return -p.weight[j] / math.Log(u)
}

// Owners returns the shard indexes of id that node should hold (ascending;
// empty if none).
func (p *Placer) Owners(id chunk.ID, node layout.NodeID) []uint8 {
	var out []uint8
	for i, n := range p.Place(id) {
		if n == node {
			out = append(out, uint8(i))
		}
	}
	return out
}

// Place returns the K+M owners of chunk id under l: entry i owns shard i.
// Errors: ErrNoNodes, ErrBadPolicy.
func Place(id chunk.ID, l layout.Layout) ([]layout.NodeID, error) {
	p, err := NewPlacer(l)
	if err != nil {
		return nil, fmt.Errorf("shard: place %s: %w", id, err)
	}
	return p.Place(id), nil
}

// PlaceShard returns the owner of shard index of chunk id under l.
func PlaceShard(id chunk.ID, index int, l layout.Layout) (layout.NodeID, error) {
	owners, err := Place(id, l)
	if err != nil {
		return "", err
	}
	if index < 0 || index >= len(owners) {
		return "", fmt.Errorf("shard: place %s/%d: %w", id, index, ErrBadIndex)
	}
	return owners[index], nil
}

// Owners returns the shard indexes of chunk id that node holds under l.
func Owners(id chunk.ID, l layout.Layout, node layout.NodeID) ([]uint8, error) {
	p, err := NewPlacer(l)
	if err != nil {
		return nil, fmt.Errorf("shard: owners %s: %w", id, err)
	}
	return p.Owners(id, node), nil
}

// fmix64 is MurmurHash3's 64-bit finaliser: a bijective avalanche mix.
func fmix64(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	k *= 0xc4ceb9fe1a85ec53
	k ^= k >> 33
	return k
}
