package suite

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/datamon-io/datamon/bench/report"
	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/shard"
)

// sitesFor maps 10 → 1000 nodes onto 3 → 10 sites (log scale).
func sitesFor(nodes int) int {
	s := 3 + 3.5*math.Log10(float64(nodes)/10)
	return max(3, min(10, int(math.Round(s)), nodes))
}

// runPlacement simulates the real placement code (shard.NewPlacer/Place)
// for each node count of the profile: equal-capacity nodes spread
// round-robin over sitesFor(n) sites, PlacementChunks chunk IDs; it reports
// the fraction of shards whose owner changes when one node joins, against
// the ideal 1/(n+1), and max/mean shards per node.
func runPlacement(ctx context.Context, e *Env) ([]report.Measurement, error) {
	ids := make([]chunk.ID, e.Profile.PlacementChunks)
	for i := range ids {
		ids[i] = chunk.Sum(binary.LittleEndian.AppendUint64(nil, uint64(i)))
	}
	var out []report.Measurement
	moved := &report.Series{XLabel: "nodes", YLabel: "moved / ideal"}
	balance := &report.Series{XLabel: "nodes", YLabel: "max / mean shards per node"}
	for _, n := range e.Profile.PlacementNodes {
		if err := ctx.Err(); err != nil {
			return out, fmt.Errorf("suite: placement: %w", err)
		}
		pol := layout.DefaultPolicy(n)
		if e.Cfg.EC != "" {
			p, err := layout.ParsePolicy(e.Cfg.EC)
			if err != nil {
				return out, fmt.Errorf("suite: placement: %w", err)
			}
			pol = p
		}
		sites := sitesFor(n)
		nodes := make([]layout.Node, n)
		for i := range nodes {
			nodes[i] = layout.Node{ID: layout.NodeID(fmt.Sprintf("n%05d", i)), Site: fmt.Sprintf("s%02d", i%sites), Capacity: 1 << 40}
		}
		before, err := layout.New(1, pol, nodes)
		if err != nil {
			return out, fmt.Errorf("suite: placement: %w", err)
		}
		after := before.With(layout.Node{ID: "n99999", Site: fmt.Sprintf("s%02d", n%sites), Capacity: 1 << 40})
		after.Version = 2
		pb, err := shard.NewPlacer(before)
		if err != nil {
			return out, fmt.Errorf("suite: placement: %w", err)
		}
		pa, err := shard.NewPlacer(after)
		if err != nil {
			return out, fmt.Errorf("suite: placement: %w", err)
		}
		load := map[layout.NodeID]int{}
		changed, total := 0, 0
		start := time.Now()
		for _, id := range ids {
			b, a := pb.Place(id), pa.Place(id)
			for i := range b {
				load[b[i]]++
				if b[i] != a[i] {
					changed++
				}
			}
			total += len(b)
		}
		perPlace := time.Since(start) / time.Duration(2*len(ids))
		maxLoad := 0
		for _, l := range load {
			maxLoad = max(maxLoad, l)
		}
		mean := float64(total) / float64(n)
		ideal := 1 / float64(n+1)
		frac := float64(changed) / float64(total)
		moved.X, moved.Y = append(moved.X, float64(n)), append(moved.Y, frac/ideal)
		balance.X, balance.Y = append(balance.X, float64(n)), append(balance.Y, float64(maxLoad)/mean)
		m := report.OK(GroupScale, fmt.Sprintf("scale.placement.n%d.moved", n), 100*frac, "% of shards").WithNotes(fmt.Sprintf(
			"%d nodes / %d sites, EC %s, %d chunks: ideal %.3f %% (%.2f× ideal); max/mean load %.3f; %.1f µs per Place",
			n, sites, pol, len(ids), 100*ideal, frac/ideal, float64(maxLoad)/mean, float64(perPlace)/1e3))
		m.LowerIsBetter = true
		m.Extra = map[string]any{"ideal_pct": 100 * ideal, "max_over_mean": float64(maxLoad) / mean, "place_us": float64(perPlace) / 1e3}
		out = append(out, m)
	}
	if len(moved.X) > 0 {
		last := len(moved.X) - 1
		mv := report.OK(GroupScale, "scale.placement.moved-vs-ideal", moved.Y[last], "× ideal").
			WithNotes("shards moved when one node joins, over the ideal 1/(n+1); value at the largest n")
		mv.Series = moved
		bl := report.OK(GroupScale, "scale.placement.max-over-mean", balance.Y[last], "×").
			WithNotes("most loaded node over the mean; value at the largest n")
		bl.Series = balance
		mv.LowerIsBetter, bl.LowerIsBetter = true, true
		out = append(out, mv, bl)
	}
	return out, nil
}
