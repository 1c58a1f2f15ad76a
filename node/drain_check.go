package node

import (
	"context"
	"fmt"
	"strings"

	"github.com/datamon-io/datamon/model"
)

// CheckDrain is the safety check of `cluster drain` (without --force).
// Draining moves a node's shards to the nodes that keep taking shards (live,
// capacity > 0). With fewer of those than k+1 (k when m = 0) a chunk's k+m
// shards land on fewer than k+1 distinct nodes: every chunk would then be
// below k+1 placed shards, and one more node loss could lose data. That is the risk remove-node refuses, so drain refuses it too.
// Draining a node that is already drained, or one that is down (its shards
// are rebuilt by repair either way), is allowed.
func (c durableCluster) CheckDrain(ctx context.Context, id string) error {
	st, err := c.d.Status(ctx)
	if err != nil {
		return fmt.Errorf("%w: cannot establish that draining %s is safe: %v (use --force to drain anyway)",
			model.ErrPrecondition, id, err)
	}
	l := c.n.meta.Layout()
	pol := l.Policy
	need := pol.K + 1
	if pol.M == 0 {
		need = pol.K
	}
	var keep, down []string
	for _, n := range st.Nodes {
		if n.ID == id {
			if n.Health == "down" || n.Health == "unknown" || n.Capacity == 0 {
				return nil
			}
			continue
		}
		switch {
		case n.Health == "down" || n.Health == "unknown":
			down = append(down, n.ID)
		case n.Capacity > 0:
			keep = append(keep, n.ID)
		}
	}
	if len(keep) >= need {
		return nil
	}
	why := fmt.Sprintf("only %d live nodes (%s) would keep taking shards", len(keep), strings.Join(keep, ", "))
	if len(keep) == 0 {
		why = "no live node would keep taking shards"
	}
	if len(down) > 0 {
		why += fmt.Sprintf(" (%s down)", strings.Join(down, ", "))
	}
	return fmt.Errorf("%w: draining node %s would leave chunks below k+1 placed shards: %s, but %s needs %d distinct nodes "+
		"for k+1 = %d shards, so one more node loss could lose data; "+
		"add a node (or bring the down node back) first, or use --force to drain anyway",
		model.ErrPrecondition, id, why, pol, need, need)
}
