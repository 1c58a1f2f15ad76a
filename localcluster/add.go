package localcluster

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
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
		Ports: Ports{ports[0], ports[1], ports[2], ports[3], ports[4]}}
	var join []string
	for _, o := range c.Nodes {
		join = append(join, o.GossipAddr())
	}
	n.args = []string{"node",
		"--id", n.ID, "--site", n.Site, "--data-dir", n.Dir,
		"--gossip", n.GossipAddr(), "--rpc", n.RPCAddr(),
		"--raft", fmt.Sprintf("127.0.0.1:%d", n.Ports.Raft),
		"--api", fmt.Sprintf("127.0.0.1:%d", n.Ports.API),
		"--s3", fmt.Sprintf("127.0.0.1:%d", n.Ports.S3),
		"--join", strings.Join(join, ","),
		"--bootstrap-expect", strconv.Itoa(c.cfg.Nodes),
		"--fast",
	}
	if c.cfg.EC != "" {
		n.args = append(n.args, "--ec", c.cfg.EC)
	}
	if c.cfg.Voters != 0 {
		n.args = append(n.args, "--voters", strconv.Itoa(c.cfg.Voters))
	}
	n.args = append(n.args, c.cfg.ExtraArgs...)
	n.args = append(n.args, extra...)
	n.env = append([]string{
		"DATAMON_CLUSTER_SECRET=" + c.Secrets.ClusterSecret,
		"DATAMON_ROOT_ACCESS_KEY=" + c.Secrets.AccessKey,
		"DATAMON_ROOT_SECRET_KEY=" + c.Secrets.SecretKey,
	}, c.cfg.Env...)
	if err := n.start(c.cfg.Binary); err != nil {
		return nil, err
	}
	c.Nodes = append(c.Nodes, n)
	c.cfg.Logger.Info("added node", "id", n.ID, "pid", n.PID(), "site", n.Site)
	return n, nil
}
