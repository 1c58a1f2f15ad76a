package nemesis

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/datamon-io/datamon/jepsen/proxy"
)

// ProxyConfig configures a nemesis over the userspace proxies in front of
// the nodes' ports.
type ProxyConfig struct {
	Name    string                    // default "latency"
	Proxies map[string][]*proxy.Proxy // node ID → proxies in front of its ports
	Faults  proxy.Faults              // applied on Invoke (e.g. Delay 75ms, Jitter 50ms, DropProb 0.05)
	// ResetOnInvoke closes live connections when the fault starts (use with
	// Blackhole so established streams notice).
	ResetOnInvoke bool
	Pick          Picker // default: a random node
	Seed          uint64
	Logger        *slog.Logger
}

type proxyNemesis struct {
	journal
	cfg    ProxyConfig
	active []string
}

// NewProxy returns a latency / loss / blackhole nemesis.
func NewProxy(cfg ProxyConfig) Nemesis {
	if cfg.Name == "" {
		cfg.Name = "latency"
	}
	if cfg.Pick == nil {
		var ids []string
		for id := range cfg.Proxies {
			ids = append(ids, id)
		}
		sortStrings(ids)
		cfg.Pick = PickRandom(ids, 1)
	}
	return &proxyNemesis{journal: newJournal(cfg.Name, cfg.Seed, cfg.Logger), cfg: cfg}
}

func (n *proxyNemesis) Invoke(ctx context.Context) error {
	ids, err := n.cfg.Pick(ctx, n.rng)
	if err != nil {
		n.record("invoke", nil, "pick", err)
		return err
	}
	for _, id := range ids {
		ps, ok := n.cfg.Proxies[id]
		if !ok {
			return fmt.Errorf("nemesis %s: no proxy for %q", n.name, id)
		}
		for _, p := range ps {
			p.Set(n.cfg.Faults)
			if n.cfg.ResetOnInvoke {
				p.ResetConns()
			}
		}
		n.active = append(n.active, id)
	}
	n.record("invoke", ids, fmt.Sprintf("%+v", n.cfg.Faults), nil)
	return nil
}

func (n *proxyNemesis) Heal(context.Context) error {
	for _, id := range n.active {
		for _, p := range n.cfg.Proxies[id] {
			p.Set(proxy.Faults{})
		}
	}
	if len(n.active) > 0 {
		n.record("heal", n.active, "clear proxy faults", nil)
	}
	n.active = nil
	return nil
}
