package localcluster

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/datamon-io/datamon/client"
)

// Progress is how far a starting cluster has come: the running nodes that
// answer /healthz, know a leader, and have applied a layout.
type Progress struct {
	Running, Healthy, Leader, Layout int
	// Waiting names what is still missing, one entry per node step.
	Waiting []string
}

// Done reports whether every running node is healthy, knows the leader and
// has a layout.
func (p Progress) Done() bool {
	return p.Running > 0 && p.Healthy == p.Running && p.Leader == p.Running && p.Layout == p.Running
}

// score grows with every step any node takes.
func (p Progress) score() int { return p.Healthy + p.Leader + p.Layout }

func (p Progress) String() string {
	s := fmt.Sprintf("healthy %d/%d, leader known %d/%d, layout applied %d/%d", p.Healthy, p.Running, p.Leader, p.Running, p.Layout, p.Running)
	if len(p.Waiting) > 0 {
		s += "; waiting for " + strings.Join(p.Waiting, ", ")
	}
	return s
}

// WaitReady waits until every running node is healthy and the metadata
// group has a leader whose layout every node applied. It gives up after
// stall without progress (any node taking a step restarts the clock) or
// after Config.ReadyCeiling in all, and prints each new state to Config.Out.
func (c *Cluster) WaitReady(ctx context.Context, stall time.Duration) error {
	return waitProgress(ctx, c.cfg.Out, stall, c.cfg.ReadyCeiling, 200*time.Millisecond, func(ctx context.Context) (Progress, error) {
		for _, n := range c.Nodes {
			if err := n.startFailure(); err != nil {
				return Progress{}, err
			}
		}
		return c.progress(ctx), nil
	})
}

// waitProgress polls probe every interval until it reports Done, fails, or
// makes no progress for stall (or ceiling passes).
func waitProgress(ctx context.Context, out interface{ Write([]byte) (int, error) }, stall, ceiling, interval time.Duration,
	probe func(context.Context) (Progress, error)) error {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, ceiling)
	defer cancel()
	best, lastSeen, lastLine := -1, start, ""
	for {
		p, err := probe(ctx)
		if err != nil {
			return err
		}
		if p.Done() {
			return nil
		}
		if p.score() > best {
			best, lastSeen = p.score(), time.Now()
		}
		if line := p.String(); line != lastLine {
			lastLine = line
			fmt.Fprintf(out, "  [%s] %s\n", time.Since(start).Round(time.Second), line)
		}
		if time.Since(lastSeen) >= stall {
			return fmt.Errorf("localcluster: not ready after %s (no progress for %s): %s",
				time.Since(start).Round(100*time.Millisecond), stall, p)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("localcluster: not ready after %s (ceiling %s): %s: %w",
				time.Since(start).Round(100*time.Millisecond), ceiling, p, ctx.Err())
		case <-time.After(interval):
		}
	}
}

// progress probes every running node once.
func (c *Cluster) progress(ctx context.Context) Progress {
	hc := c.HTTPClient(2 * time.Second)
	defer hc.CloseIdleConnections()
	var p Progress
	for i, n := range c.Nodes {
		if !n.Running() {
			continue
		}
		p.Running++
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, n.APIURL()+"/healthz", nil)
		resp, err := hc.Do(req)
		if err != nil {
			p.Waiting = append(p.Waiting, n.ID+" to answer")
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			p.Waiting = append(p.Waiting, fmt.Sprintf("%s healthz (%d)", n.ID, resp.StatusCode))
			continue
		}
		p.Healthy++
		n.ready.Store(true)
		cl, err := c.Client(i)
		if err != nil {
			p.Waiting = append(p.Waiting, n.ID+" client: "+err.Error())
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		st, err := cl.ClusterStatus(client.Stale(cctx))
		cancel()
		switch {
		case err != nil:
			p.Waiting = append(p.Waiting, n.ID+" status")
			continue
		case st.LeaderID == "":
			p.Waiting = append(p.Waiting, n.ID+" to learn a leader")
			continue
		}
		p.Leader++
		if st.LayoutVersion == 0 {
			p.Waiting = append(p.Waiting, n.ID+" to apply the layout")
			continue
		}
		p.Layout++
	}
	return p
}
