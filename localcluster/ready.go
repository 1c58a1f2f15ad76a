package localcluster

import (
	"context"
	"fmt"
	"time"

	"github.com/datamon-io/datamon/client"
)

// Client returns a Go client for the cluster with the root credentials,
// talking to the given nodes (all nodes when none are given).
func (c *Cluster) Client(nodes ...int) (*client.Client, error) {
	var eps []string
	if len(nodes) == 0 {
		eps = c.APIURLs()
	}
	for _, i := range nodes {
		eps = append(eps, c.Nodes[i].APIURL())
	}
	cfg := client.DefaultConfig()
	cfg.Endpoints, cfg.AccessKey, cfg.SecretKey = eps, c.Secrets.AccessKey, c.Secrets.SecretKey
	return client.New(cfg)
}

// metaReady: every running node knows a leader, and the leader's layout has
// been recorded (layout version > 0).
func (c *Cluster) metaReady(ctx context.Context) error {
	for i, n := range c.Nodes {
		if !n.Running() {
			continue
		}
		cl, err := c.Client(i)
		if err != nil {
			return err
		}
		cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		st, err := cl.ClusterStatus(client.Stale(cctx))
		cancel()
		if err != nil {
			return fmt.Errorf("node %s: status: %w", n.ID, err)
		}
		if st.LeaderID == "" {
			return fmt.Errorf("node %s: no leader yet", n.ID)
		}
		if st.LayoutVersion == 0 {
			return fmt.Errorf("node %s: no layout yet", n.ID)
		}
	}
	return nil
}
