package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/datamon-io/datamon/jepsen/nemesis"
	"github.com/datamon-io/datamon/jepsen/netns"
)

// ProcessClusterConfig configures NewProcessCluster.
type ProcessClusterConfig struct {
	Binary string // default $DATAMON_BIN
	// Args builds a node's argv (after the binary); default DatamonArgs.
	Args func(s NodeSpec, all []NodeSpec, clockOffset time.Duration) []string
	Env  []string // extra environment; default DefaultNodeEnv()
	// HealthPath is fetched on the API address; 200 means healthy (default "/healthz").
	HealthPath string
	// Leader and StateHashes are product hooks (nil → unknown / not checked).
	Leader      func(ctx context.Context, c *ProcessCluster) (string, error)
	StateHashes func(ctx context.Context, c *ProcessCluster) (map[string]string, map[string]error)
}

// DefaultNodeEnv is the cluster secret and root keys every node gets.
func DefaultNodeEnv() []string {
	return []string{
		"DATAMON_CLUSTER_SECRET=jepsen-cluster-secret-0123456789",
		"DATAMON_ROOT_ACCESS_KEY=JEPSENROOTKEY0000001",
		"DATAMON_ROOT_SECRET_KEY=jepsen-root-secret-key-0123456789abcdef",
	}
}

// DatamonArgs returns `node --id … --fast [--test-clock-offset D]` for s.
func DatamonArgs(s NodeSpec, all []NodeSpec, off time.Duration) []string {
	var join []string
	for _, o := range all {
		if o.ID != s.ID {
			join = append(join, o.Addr(o.Ports.Gossip))
		}
	}
	a := []string{"node", "--id", s.ID, "--site", s.Site, "--data-dir", s.DataDir,
		"--gossip", s.Addr(s.Ports.Gossip), "--rpc", s.Addr(s.Ports.RPC), "--raft", s.Addr(s.Ports.Raft),
		"--api", s.Addr(s.Ports.API), "--s3", s.Addr(s.Ports.S3),
		"--join", strings.Join(join, ","), "--bootstrap-expect", strconv.Itoa(len(all)), "--fast"}
	if off != 0 {
		a = append(a, "--test-clock-offset", off.String())
	}
	return a
}

// ProcessCluster runs one process per node, each inside its namespace,
// logging to <ResultsDir>/nodes/<id>.log.
type ProcessCluster struct {
	cfg   ProcessClusterConfig
	env   Env
	nodes []*procNode
	http  *http.Client
	logs  []*os.File
}

type procNode struct {
	*nemesis.CmdProcess
	ep Endpoints
}

func (n *procNode) Endpoints() Endpoints { return n.ep }

// NewProcessCluster returns a ClusterFactory starting cfg.Binary per node.
func NewProcessCluster(cfg ProcessClusterConfig) ClusterFactory {
	return func(ctx context.Context, env Env) (Cluster, error) {
		if cfg.Binary == "" {
			cfg.Binary = os.Getenv("DATAMON_BIN")
		}
		if cfg.Binary == "" {
			return nil, errors.New("runner: no node binary (set DATAMON_BIN)")
		}
		if cfg.Args == nil {
			cfg.Args = DatamonArgs
		}
		if cfg.Env == nil {
			cfg.Env = DefaultNodeEnv()
		}
		if cfg.HealthPath == "" {
			cfg.HealthPath = "/healthz"
		}
		c := &ProcessCluster{cfg: cfg, env: env,
			http: &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DialContext: env.Dial, DisableKeepAlives: true}}}
		logDir := filepath.Join(env.ResultsDir, "nodes")
		if err := os.MkdirAll(logDir, 0o755); err != nil {
			return nil, err
		}
		for _, s := range env.Specs {
			lf, err := os.OpenFile(filepath.Join(logDir, s.ID+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
			if err != nil {
				return nil, errors.Join(err, c.Close(ctx))
			}
			c.logs = append(c.logs, lf)
			p := nemesis.NewCmdProcess(s.ID, c.builder(s, lf))
			c.nodes = append(c.nodes, &procNode{CmdProcess: p, ep: Endpoints{API: s.Addr(s.Ports.API), S3: s.Addr(s.Ports.S3)}})
		}
		for _, n := range c.nodes {
			if err := n.Start(ctx, nemesis.StartOptions{}); err != nil {
				return nil, errors.Join(err, c.Close(ctx))
			}
		}
		return c, nil
	}
}

func (c *ProcessCluster) builder(s NodeSpec, log io.Writer) func(context.Context, time.Duration) *exec.Cmd {
	return func(ctx context.Context, off time.Duration) *exec.Cmd {
		cmd := netns.Command(ctx, s.NS, c.cfg.Binary, c.cfg.Args(s, c.env.Specs, off)...)
		cmd.Env = append(os.Environ(), c.cfg.Env...)
		cmd.Stdout, cmd.Stderr = log, log
		fmt.Fprintf(log, "=== %s start offset=%v\n", time.Now().Format(time.RFC3339Nano), off)
		return cmd
	}
}

// Nodes returns the node handles.
func (c *ProcessCluster) Nodes() []Node {
	out := make([]Node, len(c.nodes))
	for i, n := range c.nodes {
		out[i] = n
	}
	return out
}

// Env returns the environment the cluster was started in (for hooks).
func (c *ProcessCluster) Env() Env { return c.env }

// HTTP is a client that reaches node addresses (from the client namespace).
func (c *ProcessCluster) HTTP() *http.Client { return c.http }

// WaitHealthy polls every running node's health endpoint until all answer 200.
func (c *ProcessCluster) WaitHealthy(ctx context.Context) error {
	for {
		var bad []string
		for _, n := range c.nodes {
			if n.PID() == 0 {
				continue
			}
			if err := c.health(ctx, n.ep.API); err != nil {
				bad = append(bad, fmt.Sprintf("%s: %v", n.ID(), err))
			}
		}
		if len(bad) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %s", ctx.Err(), strings.Join(bad, "; "))
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func (c *ProcessCluster) health(ctx context.Context, api string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+api+c.cfg.HealthPath, nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health %d", resp.StatusCode)
	}
	return nil
}

// Leader calls the Leader hook ("" when none is wired).
func (c *ProcessCluster) Leader(ctx context.Context) (string, error) {
	if c.cfg.Leader == nil {
		return "", nil
	}
	return c.cfg.Leader(ctx, c)
}

// StateHashes calls the StateHashes hook (nil, nil → convergence not checked).
func (c *ProcessCluster) StateHashes(ctx context.Context) (map[string]string, map[string]error) {
	if c.cfg.StateHashes == nil {
		return nil, nil
	}
	return c.cfg.StateHashes(ctx, c)
}

// Close kills every node (SIGCONT first, so paused nodes die too) and closes logs.
func (c *ProcessCluster) Close(ctx context.Context) error {
	var errs []error
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, n := range c.nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			kctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if err := n.Kill(kctx); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, l := range c.logs {
		_ = l.Close()
	}
	return errors.Join(errs...)
}
