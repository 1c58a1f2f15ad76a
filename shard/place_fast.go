package shard

import (
	"github.com/cespare/xxhash/v2"

	"github.com/datamon-io/datamon/chunk"
)

// placeIdxMerge is placeIdxScan for p.hard layouts (one round: every node
// at most once, the site cap always holds), computed as a k-way merge
// instead of a scan over all K+M × n pairs per pick.
//
// Why it is the same greedy: a node's pairs, in its preference order, have
// strictly increasing times (layer/pace), so a heap holding each live
// node's next pair yields the pairs in the scan's order (time, then higher
// value, then lower index, then lower node). Validity only ever shrinks
// (indexes get assigned, nodes used, sites fill), so a pair found invalid
// never becomes valid again: a used node or a node whose site is full is
// dropped, a node whose preferred index is taken moves on to its next one.
// TestPlaceMergeMatchesScan checks the two agree.
func (p *Placer) placeIdxMerge(id chunk.ID, dst []int) {
	n, total := len(p.ids), p.total
	base := xxhash.Sum64(id[:])
	var prefBuf [512]uint64
	var hsBuf [64]float64
	var heapBuf [64]pair
	var sitesBuf [64]int
	prefs := grow(prefBuf[:0], total*n) // node j's slot hashes at [j*total:]
	hs := grow(hsBuf[:0], n)            // node j's score at its home slot
	sites := grow(sitesBuf[:0], p.nsites)
	h := pairHeap(heapBuf[:0])
	for j := range n {
		home := p.prefs(base, j, prefs[j*total:(j+1)*total])
		hs[j] = p.score(base, p.salt[home*n+j], j)
		h = append(h, pair{t: 0, v: hs[j], i: home, j: j})
	}
	h.init()
	for i := range dst {
		dst[i] = -1
	}
	placed := 0
	for placed < total && len(h) > 0 {
		top := h[0]
		j := top.j
		switch {
		case sites[p.site[j]] >= p.siteCap:
			h.pop() // the site is full for good
		case dst[top.i] < 0:
			dst[top.i] = j
			sites[p.site[j]]++
			placed++
			h.pop() // the node is used
		default: // index taken: the node's next preference
			layer := top.layer + 1
			if layer >= total {
				h.pop()
				continue
			}
			pj := prefs[j*total : (j+1)*total]
			prev := pj[top.i]
			next := -1
			for i, x := range pj {
				if x > prev && (next < 0 || x < pj[next]) {
					next = i
				}
			}
			h[0] = pair{t: float64(layer) / p.pace[j], v: -hs[j], i: next, j: j, layer: layer}
			h.down(0)
		}
	}
}

// pair is one (shard index, node) proposal at its time and value.
type pair struct {
	t, v  float64
	i, j  int
	layer int
}

// less orders pairs as placeIdxScan picks them.
func (a pair) less(b pair) bool {
	if a.t != b.t {
		return a.t < b.t
	}
	if a.v != b.v {
		return a.v > b.v
	}
	if a.i != b.i {
		return a.i < b.i
	}
	return a.j < b.j
}

// pairHeap is a binary min-heap of pairs (no container/heap: no interface
// boxing on this hot path).
type pairHeap []pair

func (h pairHeap) init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h pairHeap) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h[r].less(h[l]) {
			m = r
		}
		if !h[m].less(h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

func (h *pairHeap) pop() {
	old := *h
	last := len(old) - 1
	old[0] = old[last]
	*h = old[:last]
	h.down(0)
}
