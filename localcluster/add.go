package localcluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// StartWith is Start with per-node extra arguments: perNode(i) is appended
// to node i's command line after Config.ExtraArgs (a flag given twice takes
// the later value). perNode may be nil.
func StartWith(ctx context.Context, cfg Config, perNode func(i int) []string) (*Cluster, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("localcluster: %w", err)
	}
	sec, err := loadOrCreateSecrets(cfg.Dir)
	if err != nil {
		return nil, err
	}
	c := &Cluster{cfg: cfg, Secrets: sec}
	if err := c.build(); err != nil {
		return nil, err
	}
	if perNode != nil {
		for i, n := range c.Nodes {
			n.args = append(n.args, perNode(i)...)
		}
	}
	if err := os.WriteFile(filepath.Join(cfg.Dir, "secret"), []byte(sec.ClusterSecret), 0o600); err != nil {
		return nil, err
	}
	for _, n := range c.Nodes {
		if err := n.start(cfg.Binary); err != nil {
			c.Stop()
			return nil, err
		}
		c.cfg.Logger.Info("started node", "id", n.ID, "pid", n.PID(), "site", n.Site)
	}
	if err := c.WaitReady(ctx, cfg.ReadyTimeout); err != nil {
		c.Stop()
		return nil, err
	}
	cc := ClientConfig{Server: c.APIURLs(), AccessKey: sec.AccessKey, SecretKey: sec.SecretKey,
		S3Endpoint: c.Nodes[0].S3URL(), Context: "default", Name: "local user", Email: "user@localhost"}
	if err := writeClientConfig(c.ClientConfigPath(), cc); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

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
