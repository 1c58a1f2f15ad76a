package node

import (
	"context"
	"fmt"
	"strings"

	"github.com/datamon-io/datamon/model"
)

// CheckRemoval is the safety check of `cluster remove-node` (without
// --force). Removing a live node drops every shard it holds from placement,
// so it is only safe while each chunk can lose one more shard: no other
// layout node down, no chunk known degraded or misplaced, and no earlier
// layout change still being rebalanced. Removing a node that is down (its
// shards are unavailable either way) or drained and empty is always
// allowed. To retire a live node, drain it first (`cluster drain`): that
// moves its shards before it goes.
func (c durableCluster) CheckRemoval(ctx context.Context, id string) error {
	st, err := c.d.Status(ctx)
	if err != nil {
		return fmt.Errorf("%w: cannot establish that removing %s is safe: %v (use --force to remove anyway)",
			model.ErrPrecondition, id, err)
	}
	var why []string
	behind := false
	for _, n := range st.Nodes {
		if n.ID == id {
			if n.Health == "down" || n.Health == "unknown" || (n.Capacity == 0 && n.Shards == 0) {
				return nil
			}
			continue
		}
		switch {
		case n.Health == "down" || n.Health == "unknown":
			why = append(why, fmt.Sprintf("node %s is %s", n.ID, n.Health))
		case n.Rebalance.DoneVersion < st.LayoutVersion:
			behind = true
		}
	}
	if st.DegradedChunks > 0 {
		why = append(why, fmt.Sprintf("%d chunks are degraded", st.DegradedChunks))
	}
	if st.Misplaced > 0 {
		why = append(why, fmt.Sprintf("%d shards are not yet on their owners", st.Misplaced))
	}
	if len(st.LayoutVersions) > 1 || behind {
		why = append(why, fmt.Sprintf("layout versions %v are still being rebalanced", st.LayoutVersions))
	}
	if len(why) == 0 {
		return nil
	}
	return fmt.Errorf("%w: removing live node %s now could lose data: %s; drain it first, wait for repair (cluster durability), or use --force",
		model.ErrPrecondition, id, strings.Join(why, ", "))
}
