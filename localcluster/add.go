package localcluster

import (
	"fmt"
	"path/filepath"
)

// AddNode starts one more node process on site (a new site name is fine)
// with the cluster's secrets, environment and flags, fresh ports, joining
// every existing node's gossip address; extra is appended to its command line
// after Config.ExtraArgs. It returns once the process runs; the caller waits
// for it to join (WaitReady, cluster status). The client config is not
// changed.
func (c *Cluster) AddNode(site string, extra ...string) (*Node, error) {
	ports, err := freePorts(5)
	if err != nil {
		return nil, fmt.Errorf("localcluster: ports: %w", err)
	}
	i := len(c.Nodes)
	id := fmt.Sprintf("node%d", i+1)
	n := &Node{Index: i, ID: id, Site: site, Dir: filepath.Join(c.cfg.Dir, id),
		Ports: Ports{ports[0], ports[1], ports[2], ports[3], ports[4]}, tls: c.cfg.TLS}
	var join []string
	for _, o := range c.Nodes {
		join = append(join, o.GossipAddr())
	}
	if err := c.configure(n, join); err != nil {
		return nil, err
	}
	n.args = append(n.args, extra...)
	if err := n.start(c.cfg.Binary); err != nil {
		return nil, err
	}
	c.Nodes = append(c.Nodes, n)
	c.cfg.Logger.Info("added node", "id", n.ID, "pid", n.PID(), "site", n.Site)
	return n, nil
}
