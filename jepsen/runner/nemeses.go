package runner

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"time"

	"github.com/datamon-io/datamon/jepsen/nemesis"
	"github.com/datamon-io/datamon/jepsen/netns"
	"github.com/datamon-io/datamon/jepsen/proxy"
)

var nemesisNames = []string{
	"partition-halves", "partition-leader", "partition-one", "partition-ring", "partition-bridge",
	"kill", "kill-leader", "pause", "pause-leader", "clock", "disk-full", "membership",
	"latency", "lossy",
}

// NemesisNames lists the nemeses the runner can build by name. latency and
// lossy need a cluster with peer proxies (ProcessClusterConfig.PeerProxies);
// shard corruption needs product wiring (jepsen/datamon).
func NemesisNames() []string { return append([]string(nil), nemesisNames...) }

func knownNemesis(n string) bool { return slices.Contains(nemesisNames, n) }

// targeted is a nemesis whose target is resolved just before Invoke.
type targeted struct {
	nemesis.Nemesis
	pre   func(ctx context.Context)
	aimed *atomic.Bool // set by the leader picker: the last pick was the known leader
}

func (t targeted) Invoke(ctx context.Context) error {
	if t.pre != nil {
		t.pre(ctx)
	}
	return t.Nemesis.Invoke(ctx)
}

// AimedAtLeader reports whether the last Invoke targeted the known leader
// (false when the leader was unknown and a random node was picked).
func (t targeted) AimedAtLeader() bool { return t.aimed != nil && t.aimed.Load() }

// leaderAimer is implemented by the leader-aimed nemeses.
type leaderAimer interface{ AimedAtLeader() bool }

// leaderPicker picks the leader, or a random node when it is unknown; aimed
// records which happened.
func leaderPicker(c Cluster, ids []string, aimed *atomic.Bool) nemesis.Picker {
	return func(ctx context.Context, rng *rand.Rand) ([]string, error) {
		if id, err := c.Leader(ctx); err == nil && slices.Contains(ids, id) {
			aimed.Store(true)
			return []string{id}, nil
		}
		aimed.Store(false)
		return []string{ids[rng.IntN(len(ids))]}, nil
	}
}

// buildNemesis constructs the named nemesis.
func buildNemesis(name string, seed uint64, nw *netns.Network, c Cluster, dataDirs map[string]string, log *slog.Logger) (nemesis.Nemesis, error) {
	nodes := c.Nodes()
	procs := make([]nemesis.Process, len(nodes))
	ids := make([]string, len(nodes))
	for i, n := range nodes {
		procs[i], ids[i] = n, n.ID()
	}
	pc := nemesis.ProcessConfig{Procs: procs, Seed: seed, Logger: log}
	part := func(n string, top nemesis.Topology) (nemesis.Nemesis, error) {
		return nemesis.NewPartition(nemesis.PartitionConfig{Network: nw, Topology: top, Name: n, Seed: seed, Logger: log})
	}
	switch name {
	case "partition-halves":
		return part(name, nemesis.Halves())
	case "partition-one":
		return part(name, nemesis.IsolateRandom())
	case "partition-ring":
		return part(name, nemesis.MajorityRing())
	case "partition-bridge":
		return part(name, nemesis.Bridge())
	case "partition-leader":
		idx := 0
		p, err := part(name, nemesis.IsolateOne(func() int { return idx }))
		if err != nil {
			return nil, err
		}
		aimed := new(atomic.Bool)
		pick := leaderPicker(c, ids, aimed)
		rng := rand.New(rand.NewPCG(seed, 99))
		return targeted{p, func(ctx context.Context) {
			got, _ := pick(ctx, rng)
			idx = max(0, slices.Index(ids, got[0]))
		}, aimed}, nil
	case "kill":
		return nemesis.NewKill(pc), nil
	case "kill-leader":
		aimed := new(atomic.Bool)
		pc.Pick, pc.Name = leaderPicker(c, ids, aimed), name
		return targeted{Nemesis: nemesis.NewKill(pc), aimed: aimed}, nil
	case "pause":
		return nemesis.NewPause(pc), nil
	case "pause-leader":
		aimed := new(atomic.Bool)
		pc.Pick, pc.Name = leaderPicker(c, ids, aimed), name
		return targeted{Nemesis: nemesis.NewPause(pc), aimed: aimed}, nil
	case "clock":
		return nemesis.NewClock(pc), nil
	case "latency", "lossy":
		pcl, ok := c.(interface {
			PeerProxies() map[string][]*proxy.Proxy
		})
		if !ok || len(pcl.PeerProxies()) == 0 {
			return nil, fmt.Errorf("runner: nemesis %s needs a cluster with peer proxies (ProcessClusterConfig.PeerProxies)", name)
		}
		aimed := new(atomic.Bool)
		pcfg := proxyNemesis(name, pcl.PeerProxies(), seed, log)
		lead := leaderPicker(c, ids, aimed)
		pcfg.Pick = lead
		if name == "latency" { // the leader and one other node
			pcfg.Pick = func(ctx context.Context, rng *rand.Rand) ([]string, error) {
				got, err := lead(ctx, rng)
				if err != nil {
					return nil, err
				}
				var others []string
				for _, id := range ids {
					if id != got[0] {
						others = append(others, id)
					}
				}
				return append(got, others[rng.IntN(len(others))]), nil
			}
		}
		return targeted{Nemesis: nemesis.NewProxy(pcfg), aimed: aimed}, nil
	case "disk-full":
		return nemesis.NewDiskFull(nemesis.DiskConfig{DataDirs: dataDirs, Seed: seed, Logger: log}), nil
	case "membership":
		mc, ok := c.(MembershipCluster)
		if !ok {
			return nil, fmt.Errorf("runner: cluster does not implement MembershipCluster")
		}
		return nemesis.NewMembership(nemesis.MembershipConfig{Remove: mc.RemoveNode, Add: mc.AddNode,
			Pick: nemesis.PickRandom(ids, 1), Seed: seed, Logger: log})
	}
	return nil, fmt.Errorf("runner: unknown nemesis %q", name)
}

// proxyNemesis configures the latency nemeses over the peer proxies (node-
// to-node RPC and Raft into the picked nodes; both aim at the leader):
//   - latency: the leader and one other node get 40 ms + [0, 80 ms) per
//     forwarded chunk, longer than --fast's Raft heartbeat, shorter than
//     its election timeout;
//   - lossy: the leader's proxies reset 3% of forwarded chunks' connections
//     and drop 0.5% of chunks (a dropped chunk desynchronises the stream:
//     framing, signatures and checksums must catch it), with 10 ms + [0,
//     40 ms) delay; live connections are reset when it starts.
func proxyNemesis(name string, proxies map[string][]*proxy.Proxy, seed uint64, log *slog.Logger) nemesis.ProxyConfig {
	cfg := nemesis.ProxyConfig{Name: name, Proxies: proxies, Seed: seed, Logger: log}
	switch name {
	case "latency":
		cfg.Faults = proxy.Faults{Delay: 40 * time.Millisecond, Jitter: 80 * time.Millisecond}
	case "lossy":
		cfg.Faults = proxy.Faults{Delay: 10 * time.Millisecond, Jitter: 40 * time.Millisecond, ResetProb: 0.03, DropProb: 0.005}
		cfg.ResetOnInvoke = true
	}
	return cfg
}
