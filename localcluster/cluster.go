package localcluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/datamon-io/datamon/certs"
)

// Cluster is a running local cluster.
type Cluster struct {
	cfg     Config
	Secrets Secrets
	Nodes   []*Node
	// Timings are the Raft timings given to every node (timings.go).
	Timings Timings
	// Ballast is the disk ballast per node in bytes, -1 for none (ballast.go).
	Ballast int64

	ca *certs.CA // with Config.TLS (tls.go)
}

// ClientConfigPath is DIR/client.yaml.
func (c *Cluster) ClientConfigPath() string { return filepath.Join(c.cfg.Dir, "client.yaml") }

// APIURLs lists every node's API endpoint.
func (c *Cluster) APIURLs() []string {
	out := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		out[i] = n.APIURL()
	}
	return out
}

// Start builds and starts the cluster, then waits until it is ready.
func Start(ctx context.Context, cfg Config) (*Cluster, error) { return StartWith(ctx, cfg, nil) }

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
	c.tune()
	if err := c.setupTLS(); err != nil {
		return nil, err
	}
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
	if err := os.WriteFile(filepath.Join(cfg.Dir, "metrics-token"), []byte(sec.MetricsToken+"\n"), 0o600); err != nil {
		return nil, err
	}
	if err := c.checkPorts(); err != nil {
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
		S3Endpoint: c.Nodes[0].S3URL(), CAFile: c.CAFile(), Context: "default", Name: "local user", Email: "user@localhost"}
	if err := writeClientConfig(c.ClientConfigPath(), cc); err != nil {
		c.Stop()
		return nil, err
	}
	if err := c.writeEnvFile(); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) build() error {
	var ports []int
	if c.cfg.BasePort == 0 {
		var err error
		if ports, err = freePorts(5 * c.cfg.Nodes); err != nil {
			return fmt.Errorf("localcluster: ports: %w", err)
		}
	}
	for i := 0; i < c.cfg.Nodes; i++ {
		var p Ports
		if ports != nil {
			p = Ports{ports[5*i], ports[5*i+1], ports[5*i+2], ports[5*i+3], ports[5*i+4]}
		} else {
			b := c.cfg.BasePort + 10*i
			p = Ports{b, b + 1, b + 2, b + 3, b + 4}
		}
		c.Nodes = append(c.Nodes, &Node{
			Index: i, ID: fmt.Sprintf("node%d", i+1), Site: fmt.Sprintf("site%d", i%c.cfg.Sites+1),
			Dir: filepath.Join(c.cfg.Dir, fmt.Sprintf("node%d", i+1)), Ports: p, tls: c.cfg.TLS,
		})
	}
	for _, n := range c.Nodes {
		var join []string
		for _, o := range c.Nodes {
			if o != n {
				join = append(join, o.GossipAddr())
			}
		}
		if err := c.configure(n, join); err != nil {
			return err
		}
	}
	return nil
}

// configure sets node n's command line and environment: its ports, the
// gossip addresses to join, its certificate, the cluster-wide flags and
// secrets.
func (c *Cluster) configure(n *Node, join []string) error {
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
	tlsArgs, err := c.issueNodeCert(n)
	if err != nil {
		return err
	}
	n.args = append(n.args, tlsArgs...)
	n.args = append(n.args, c.tuningArgs()...)
	if c.cfg.EC != "" {
		n.args = append(n.args, "--ec", c.cfg.EC)
	}
	if c.cfg.Voters != 0 {
		n.args = append(n.args, "--voters", strconv.Itoa(c.cfg.Voters))
	}
	n.args = append(n.args, c.cfg.ExtraArgs...)
	n.env = append([]string{
		"DATAMON_CLUSTER_SECRET=" + c.Secrets.ClusterSecret,
		"DATAMON_ROOT_ACCESS_KEY=" + c.Secrets.AccessKey,
		"DATAMON_ROOT_SECRET_KEY=" + c.Secrets.SecretKey,
		"DATAMON_METRICS_TOKEN=" + c.Secrets.MetricsToken,
	}, c.cfg.Env...)
	return nil
}

// Kill sends SIGKILL to node i and waits for it to exit.
func (c *Cluster) Kill(i int) error {
	n := c.Nodes[i]
	if err := n.signal(syscall.SIGKILL); err != nil {
		return err
	}
	if !n.wait(10 * time.Second) {
		return fmt.Errorf("localcluster: node %s did not die", n.ID)
	}
	return nil
}

// Restart starts node i again with the same data dir and ports.
func (c *Cluster) Restart(i int) error { return c.Nodes[i].start(c.cfg.Binary) }

// Pause stops node i with SIGSTOP; Resume continues it.
func (c *Cluster) Pause(i int) error  { return c.Nodes[i].signal(sigStop) }
func (c *Cluster) Resume(i int) error { return c.Nodes[i].signal(sigCont) }

// Terminate stops node i gracefully (SIGTERM, SIGKILL after 15 s).
func (c *Cluster) Terminate(i int) error {
	n := c.Nodes[i]
	if !n.Running() {
		return nil
	}
	_ = n.signal(sigCont)
	_ = n.signal(syscall.SIGTERM)
	if n.wait(15 * time.Second) {
		return nil
	}
	_ = n.signal(syscall.SIGKILL)
	if !n.wait(10 * time.Second) {
		return errors.New("localcluster: node " + n.ID + " survived SIGKILL")
	}
	return nil
}

// Stop terminates every node this cluster started.
func (c *Cluster) Stop() error {
	var errs []error
	for i := range c.Nodes {
		if err := c.Terminate(i); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// checkPorts binds every node's ports once on 127.0.0.1 and says which one
// is already taken, before any node starts.
func (c *Cluster) checkPorts() error {
	for _, n := range c.Nodes {
		for name, p := range map[string]int{"gossip": n.Ports.Gossip, "rpc": n.Ports.RPC, "raft": n.Ports.Raft, "api": n.Ports.API, "s3": n.Ports.S3} {
			addr := fmt.Sprintf("127.0.0.1:%d", p)
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("localcluster: node %s %s port %d is taken (choose another base port): %w", n.ID, name, p, err)
			}
			_ = ln.Close()
		}
	}
	return nil
}
