package shard

import "math"

// inclusionWeights corrects capacity weights for sampling without
// replacement. Placing indexes one by one with weighted HRW is successive
// sampling, which under-serves heavy nodes: a node is excluded once chosen.
// By Rosén's approximation the inclusion probability of weight x is close
// to 1-exp(-x·t); solving for a target share π gives the weight -ln(1-π)
// (the common factor t cancels). The correction is applied where the draws
// repeat: within each site that expects more than one shard per chunk
// (site totals are kept, so the site balance is unchanged), or across nodes
// when every site has one node. Equal weights stay equal.
func inclusionWeights(w []float64, site []int, nsites, n, siteCap int) []float64 {
	if len(w) <= n {
		return w // every node is used; weights only order the picks
	}
	out := append([]float64(nil), w...)
	if nsites == len(w) { // one node per site: correct across nodes
		rosen(out, float64(n))
		return out
	}
	var total float64
	for _, x := range w {
		total += x
	}
	for s := 0; s < nsites; s++ {
		var members []int
		var ws float64
		for j := range w {
			if site[j] == s {
				members = append(members, j)
				ws += w[j]
			}
		}
		draws := math.Min(float64(n)*ws/total, float64(min(siteCap, len(members))))
		if draws <= 1 || len(members) <= int(draws) {
			continue
		}
		sub := make([]float64, len(members))
		for i, j := range members {
			sub[i] = w[j]
		}
		rosen(sub, draws)
		var sum float64
		for _, x := range sub {
			sum += x
		}
		for i, j := range members {
			out[j] = sub[i] * ws / sum
		}
	}
	return out
}

func equal(w []float64) bool {
	for _, x := range w {
		if x != w[0] {
			return false
		}
	}
	return true
}

// rosen replaces weights w by -ln(1-π), π = draws·w/Σw.
func rosen(w []float64, draws float64) {
	var sum float64
	for _, x := range w {
		sum += x
	}
	for i, x := range w {
		pi := math.Min(draws*x/sum, 1-1e-9)
		w[i] = -math.Log1p(-pi)
	}
}

// minSiteCap is max(m, the smallest c with sum(min(count*perNode, c)) >= total).
func minSiteCap(perSite []int, perNode, total, m int) int {
	for c := max(m, 1); ; c++ {
		sum := 0
		for _, n := range perSite {
			sum += min(n*perNode, c)
		}
		if sum >= total || c >= total {
			return c
		}
	}
}
