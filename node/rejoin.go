package node

import (
	"context"
	"time"

	"github.com/datamon-io/datamon/membership"
)

// rejoinLoop keeps gossip connected, as serf's reconnect does: memberlist never
// probes a member it declared dead again, so after a partition heals both sides
// would stay apart. Every interval the node joins the members it considers
// dead (their last known address), and the configured --join addresses while
// it sees no other live member. It stops when ctx is cancelled.
func (n *Node) rejoinLoop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var dead []string
		alive := 0
		for _, mb := range n.members.Members() {
			switch {
			case mb.Meta.ID == n.id.ID:
			case mb.State == membership.Alive:
				alive++
			case mb.State == membership.Dead && mb.Addr != "":
				dead = append(dead, mb.Addr)
			}
		}
		if alive == 0 && len(n.cfg.Join) > 0 {
			if _, err := n.members.Join(n.cfg.Join); err != nil {
				n.log.Debug("join retry", "err", err)
			}
		}
		for _, a := range dead {
			_, _ = n.members.Join([]string{a})
		}
	}
}
