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
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/datamon-io/datamon/jepsen/checker"
	"github.com/datamon-io/datamon/jepsen/nemesis"
	"github.com/datamon-io/datamon/jepsen/netns"
	"github.com/datamon-io/datamon/jepsen/proxy"
)

// ProcessClusterConfig configures NewProcessCluster.
type ProcessClusterConfig struct {
	Binary string // default $DATAMON_BIN
	// Args builds a node's argv (after the binary); default DatamonArgs.
	Args func(s NodeSpec, all []NodeSpec, clockOffset time.Duration) []string
	Env  []string // extra environment; default DefaultNodeEnv()
	// HealthPath is fetched on the API address; 200 means healthy (default "/healthz").
	HealthPath string
	// PeerProxies runs a jepsen/proxy inside every node's namespace in
	// front of its RPC, Raft and gossip ports (listening on
	// port+PeerProxyOffset; gossip's carries UDP and TCP on one port) and
	// makes the nodes advertise the proxies (--advertise-rpc,
	// --advertise-raft, --advertise-gossip), so all node-to-node traffic
	// into a node crosses its proxies (the latency and lossy nemeses).
	// Only the seeds' addresses in --join stay direct.
	PeerProxies bool
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
		if o.Index != s.Index {
			join = append(join, o.Addr(o.Ports.Gossip))
		}
	}
	a := []string{"node", "--id", s.ID, "--site", s.Site, "--data-dir", s.DataDir,
		"--gossip", s.Addr(s.Ports.Gossip), "--rpc", s.Addr(s.Ports.RPC), "--raft", s.Addr(s.Ports.Raft),
		"--api", s.Addr(s.Ports.API), "--s3", s.Addr(s.Ports.S3),
		"--join", strings.Join(join, ","), "--bootstrap-expect", strconv.Itoa(len(all)), "--fast",
		// Every client runs from one address (the client namespace), and
		// the keys workload's PUTs with revoked secrets are refused on
		// purpose: the per-address brute-force throttle would then refuse
		// every workload (one NAT'd address). The per-(key, address)
		// throttle stays at its default; each key sees at most 4 failures.
		"--auth-failures-per-source", "1000000000"}
	if off != 0 {
		a = append(a, "--test-clock-offset", off.String())
	}
	return a
}

// ProcessCluster runs one process per node, each inside its namespace,
// logging to <ResultsDir>/nodes/<id>.log.
type ProcessCluster struct {
	cfg     ProcessClusterConfig
	env     Env
	nodes   []*procNode
	http    *http.Client
	logs    []*os.File
	proxies map[string][]*proxy.Proxy // slot → proxies in front of its RPC and Raft ports

	crashMu sync.Mutex
	crashes []Crash
	closing bool
}

// Crash is a node process that exited on its own (not through Kill).
type Crash struct {
	Slot, NodeID string
	Time         time.Time
	Exit         string // cmd.Wait's error
	Cause        string // the last "panic:" / "fatal error:" line of its log ("" if none)
	Restarted    bool   // the supervisor started it again
}

// SupervisorDelay is how long after a crash the supervisor restarts a node
// (as systemd's Restart=on-failure, RestartSec=1 would).
const SupervisorDelay = time.Second

// PeerProxyOffset is added to a node's RPC, Raft and gossip ports for its proxies.
const PeerProxyOffset = 10000

// procNode is one slot: a namespace, address and data dir the harness
// names by the slot (Node.ID, e.g. "n2"), running the product node ID
// nodeID — the slot name until the membership nemesis replaces a removed
// node by a new one (Reincarnate).
type procNode struct {
	*nemesis.CmdProcess
	ep     Endpoints
	mu     sync.Mutex
	nodeID string
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
			pn := &procNode{ep: Endpoints{API: s.Addr(s.Ports.API), S3: s.Addr(s.Ports.S3)}, nodeID: s.ID}
			pn.CmdProcess = nemesis.NewCmdProcess(s.ID, c.builder(s, pn, lf))
			logPath := lf.Name()
			pn.SetOnCrash(func(err error) { c.supervise(pn, logPath, err) })
			c.nodes = append(c.nodes, pn)
		}
		if cfg.PeerProxies {
			if err := c.startProxies(ctx); err != nil {
				return nil, errors.Join(err, c.Close(ctx))
			}
		}
		for _, n := range c.nodes {
			if err := n.Start(ctx, nemesis.StartOptions{}); err != nil {
				return nil, errors.Join(err, c.Close(ctx))
			}
		}
		return c, nil
	}
}

func (c *ProcessCluster) builder(s NodeSpec, pn *procNode, log io.Writer) func(context.Context, time.Duration) *exec.Cmd {
	return func(ctx context.Context, off time.Duration) *exec.Cmd {
		s := s
		s.ID = pn.id()
		args := c.cfg.Args(s, c.env.Specs, off)
		if c.cfg.PeerProxies {
			args = append(args, "--advertise-rpc", s.Addr(s.Ports.RPC+PeerProxyOffset),
				"--advertise-raft", s.Addr(s.Ports.Raft+PeerProxyOffset),
				"--advertise-gossip", s.Addr(s.Ports.Gossip+PeerProxyOffset))
		}
		cmd := netns.Command(ctx, s.NS, c.cfg.Binary, args...)
		cmd.Env = append(os.Environ(), c.cfg.Env...)
		cmd.Stdout, cmd.Stderr = log, log
		fmt.Fprintf(log, "=== %s start id=%s offset=%v\n", time.Now().Format(time.RFC3339Nano), s.ID, off)
		return cmd
	}
}

// supervise records a crash and, like a process supervisor, starts the node
// again after SupervisorDelay unless someone started or stopped it since.
func (c *ProcessCluster) supervise(pn *procNode, logPath string, err error) {
	cr := Crash{Slot: pn.ID(), NodeID: pn.id(), Time: time.Now(), Cause: lastPanic(logPath)}
	if err != nil {
		cr.Exit = err.Error()
	}
	gen := pn.Gen()
	time.Sleep(SupervisorDelay)
	c.crashMu.Lock()
	defer c.crashMu.Unlock()
	if !c.closing && pn.Gen() == gen && pn.PID() == 0 {
		cr.Restarted = pn.Start(context.Background(), nemesis.StartOptions{}) == nil
	}
	c.crashes = append(c.crashes, cr)
	if c.env.Logger != nil {
		c.env.Logger.Warn("runner: node crashed", "slot", cr.Slot, "id", cr.NodeID, "exit", cr.Exit, "cause", cr.Cause, "restarted", cr.Restarted)
	}
}

// lastPanic returns the last "panic:" or "fatal error:" line of a log.
func lastPanic(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	last := ""
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "=== ") {
			last = "" // a later incarnation
		}
		if strings.HasPrefix(l, "panic:") || strings.HasPrefix(l, "fatal error:") {
			last = l
		}
	}
	return last
}

// Crashes returns the crashes so far.
func (c *ProcessCluster) Crashes() []Crash {
	c.crashMu.Lock()
	defer c.crashMu.Unlock()
	return slices.Clone(c.crashes)
}

func (n *procNode) id() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.nodeID
}

// NodeID is the product node ID slot runs as ("" for an unknown slot).
func (c *ProcessCluster) NodeID(slot string) string {
	for _, n := range c.nodes {
		if n.ID() == slot {
			return n.id()
		}
	}
	return ""
}

// SlotOf maps a product node ID to the slot running it ("" when none).
func (c *ProcessCluster) SlotOf(id string) string {
	for _, n := range c.nodes {
		if n.id() == id {
			return n.ID()
		}
	}
	return ""
}

// Reincarnate makes a stopped slot run a new product node ID from its next
// Start (node add: the caller empties the data dir first). The slot keeps
// its name, namespace, addresses and log file, so nemeses keyed by slot
// keep working.
func (c *ProcessCluster) Reincarnate(slot, id string) error {
	for _, n := range c.nodes {
		if n.ID() != slot {
			continue
		}
		if n.PID() != 0 {
			return fmt.Errorf("runner: reincarnate %s: still running", slot)
		}
		if other := c.SlotOf(id); other != "" {
			return fmt.Errorf("runner: reincarnate %s: node ID %s already runs in %s", slot, id, other)
		}
		n.mu.Lock()
		n.nodeID = id
		n.mu.Unlock()
		return nil
	}
	return fmt.Errorf("runner: reincarnate: no slot %s", slot)
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
	c.crashMu.Lock()
	c.closing = true
	c.crashMu.Unlock()
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
	for _, ps := range c.proxies {
		for _, p := range ps {
			_ = p.Close()
		}
	}
	for _, l := range c.logs {
		_ = l.Close()
	}
	return errors.Join(errs...)
}

// CheckCrashes turns the crashes into a checker result. A node may stop
// itself when its disk is full (fail-stop: the metadata store's write-ahead
// log cannot be written, and a Raft FSM that cannot persist must not go on)
// — a crash whose panic names ENOSPC is a stat, restarted by the
// supervisor; any other crash is an anomaly.
func CheckCrashes(crashes []Crash) checker.Result {
	r := checker.Result{Checker: "crashes", Valid: true, Stats: map[string]int{"crashes": len(crashes)}}
	for _, cr := range crashes {
		if strings.Contains(cr.Cause, "no space left on device") {
			r.Stats["enospc-fail-stop"]++
			continue
		}
		r.Valid = false
		r.Anomalies = append(r.Anomalies, checker.Anomaly{Kind: "crash", Key: cr.Slot,
			Detail: fmt.Sprintf("%s (%s) exited on its own at %s: %s; %s", cr.Slot, cr.NodeID, cr.Time.Format(time.RFC3339Nano), cr.Exit, cr.Cause)})
	}
	return r
}
