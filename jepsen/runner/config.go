package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/datamon-io/datamon/jepsen/checker"
	"github.com/datamon-io/datamon/jepsen/nemesis"
	"github.com/datamon-io/datamon/jepsen/netns"
)

// Config configures one run.
type Config struct {
	Name       string        // scenario name (default "scenario")
	Nodes      int           // default 5
	Duration   time.Duration // workload phase (default 60s)
	Seed       uint64        // drives the nemesis timeline and clients (default: time-based)
	Mode       netns.Mode    // auto (default), netns, loopback
	Nemeses    []string      // names, see NemesisNames; empty = none
	Workloads  []string      // names registered in Registry
	ResultsDir string        // default "jepsen/out/<name>-<seed>"
	Clients    int           // clients per workload (default 5)

	FaultEvery  time.Duration // mean gap between faults (default 6s)
	FaultLength time.Duration // how long each fault lasts (default 4s)
	Warmup      time.Duration // fault-free period at the start (default 3s)
	Quiet       time.Duration // clients keep running this long after the final heal (liveness window; default 5s)
	OpTimeout   time.Duration // client request timeout (default 1s)
	Ports       Ports         // default 7946/7001/7002/7080/7090

	// MinOKBeforeFault / MinOKAfterHeal are liveness floors (default 1 each).
	MinOKBeforeFault, MinOKAfterHeal int
	// Floors overrides the liveness floors per workload name.
	Floors map[string]Floor
	// MinFaults fails the run when fewer nemesis invocations succeeded (default 0).
	MinFaults int
	// MinLeaderFaults fails the run when fewer invocations of the -leader
	// nemeses hit the leader the Cluster reported (default 0).
	MinLeaderFaults int

	// Repro is the one-line reproduction command (default: the
	// `go test ./jepsen -run . -jepsen.full -jepsen.scenario=…` line).
	Repro string

	Cluster  ClusterFactory // required
	Registry Registry       // workload factories by name
	Logger   *slog.Logger

	// ExtraNemeses are product nemeses by name (membership, snapshot
	// catch-up, shard corruption, proxy latency); they may be named in
	// Nemeses next to the built-in ones.
	ExtraNemeses map[string]NemesisFactory
	// TmpfsDataDirs mounts a 256 MiB tmpfs on every node's data dir (also
	// implied by the disk-full nemesis).
	TmpfsDataDirs bool
	// Checks run after the final reads (e.g. the fsck durability check).
	Checks []func(ctx context.Context, cl Cluster) checker.Result
}

// NemesisEnv is what a NemesisFactory gets.
type NemesisEnv struct {
	Seed     uint64
	Network  *netns.Network
	Cluster  Cluster
	DataDirs map[string]string // node ID → data dir
	Logger   *slog.Logger
}

// NemesisFactory builds a product nemesis.
type NemesisFactory func(env NemesisEnv) (nemesis.Nemesis, error)

// Floor is a workload's liveness floors: minimum ok ops before the first
// fault and between the final heal and the end of the quiet period.
type Floor struct{ BeforeFault, AfterHeal int }

// DefaultConfig returns defaults for everything but Cluster and Registry.
func DefaultConfig() Config {
	return Config{Name: "scenario", Nodes: 5, Duration: time.Minute, Mode: netns.ModeAuto, Clients: 5,
		FaultEvery: 6 * time.Second, FaultLength: 4 * time.Second, Warmup: 3 * time.Second,
		Quiet: 5 * time.Second, OpTimeout: time.Second, Ports: defaultPorts, MinOKBeforeFault: 1, MinOKAfterHeal: 1}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	set := func(p *time.Duration, v time.Duration) {
		if *p == 0 {
			*p = v
		}
	}
	if c.Name == "" {
		c.Name = d.Name
	}
	if c.Nodes == 0 {
		c.Nodes = d.Nodes
	}
	if c.Mode == "" {
		c.Mode = d.Mode
	}
	if c.Clients == 0 {
		c.Clients = d.Clients
	}
	if c.Seed == 0 {
		c.Seed = uint64(time.Now().UnixNano())
	}
	set(&c.Duration, d.Duration)
	set(&c.FaultEvery, d.FaultEvery)
	set(&c.FaultLength, d.FaultLength)
	set(&c.Warmup, d.Warmup)
	set(&c.Quiet, d.Quiet)
	set(&c.OpTimeout, d.OpTimeout)
	if c.Ports == (Ports{}) {
		c.Ports = d.Ports
	}
	if c.MinOKBeforeFault == 0 {
		c.MinOKBeforeFault = d.MinOKBeforeFault
	}
	if c.MinOKAfterHeal == 0 {
		c.MinOKAfterHeal = d.MinOKAfterHeal
	}
	if c.ResultsDir == "" {
		c.ResultsDir = fmt.Sprintf("jepsen/out/%s-%d", c.Name, c.Seed)
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate checks the configuration.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if c.Cluster == nil {
		errs = append(errs, errors.New("runner: Cluster factory required"))
	}
	if len(c.Workloads) == 0 {
		errs = append(errs, errors.New("runner: at least one workload required"))
	}
	for _, w := range c.Workloads {
		if c.Registry[w] == nil {
			errs = append(errs, fmt.Errorf("runner: unknown workload %q", w))
		}
	}
	for _, n := range c.Nemeses {
		if !knownNemesis(n) && c.ExtraNemeses[n] == nil {
			errs = append(errs, fmt.Errorf("runner: unknown nemesis %q (known: %v)", n, NemesisNames()))
		}
	}
	if c.Nodes < 1 {
		errs = append(errs, errors.New("runner: nodes < 1"))
	}
	if c.Warmup+c.FaultLength > c.Duration && len(c.Nemeses) > 0 {
		errs = append(errs, fmt.Errorf("runner: duration %v too short for warmup %v + one fault %v", c.Duration, c.Warmup, c.FaultLength))
	}
	return errors.Join(errs...)
}
