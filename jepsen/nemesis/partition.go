package nemesis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"github.com/datamon-io/datamon/jepsen/netns"
)

// PartitionConfig configures a partition nemesis.
type PartitionConfig struct {
	Network  *netns.Network // nodes, mode and ledger
	Topology Topology       // default Halves()
	Name     string         // default "partition"
	Seed     uint64
	Logger   *slog.Logger
}

// Partition drops traffic between nodes with nftables.
//
// netns mode: every node namespace gets table "inet jepsen" with an input
// rule dropping packets from its grudge peers (silent drops, like a real
// partition). loopback mode: one root-namespace table "inet <prefix>_part"
// drops packets whose (saddr, daddr) is a grudge pair of the per-node
// 127.77.X.Y addresses; it matches only those addresses, so nothing else on
// the machine is affected. In loopback mode the partition is exact only for
// traffic the nodes source from their own address; isolate-one is exact for
// all traffic to a node because its replies carry its address.
type Partition struct {
	journal
	cfg    PartitionConfig
	active bool
}

// NewPartition returns a partition nemesis.
func NewPartition(cfg PartitionConfig) (*Partition, error) {
	if cfg.Network == nil {
		return nil, errors.New("nemesis: partition needs a network")
	}
	if err := netns.NftSupported(); err != nil {
		return nil, err
	}
	if cfg.Topology == nil {
		cfg.Topology = Halves()
	}
	if cfg.Name == "" {
		cfg.Name = "partition"
	}
	return &Partition{journal: newJournal(cfg.Name, cfg.Seed, cfg.Logger), cfg: cfg}, nil
}

const nsTable = "jepsen"

func (p *Partition) rootTable() netns.NftTable {
	prefix := "jp"
	if len(p.cfg.Network.Nodes) > 0 {
		prefix = strings.ReplaceAll(p.cfg.Network.Subnet.Addr().String(), ".", "_")
	}
	return netns.NftTable{Family: "inet", Name: "jepsen_part_" + prefix}
}

// Invoke applies a new grudge (healing any previous one first).
func (p *Partition) Invoke(ctx context.Context) error {
	if err := p.Heal(ctx); err != nil {
		return err
	}
	nodes := p.cfg.Network.Nodes
	g, label := p.cfg.Topology(len(nodes), p.rng)
	err := p.apply(ctx, g)
	p.active = true
	p.record("invoke", nil, label+" "+describe(g, nodes), err)
	return err
}

func describe(g Grudge, nodes []netns.Node) string {
	var parts []string
	keys := make([]int, 0, len(g))
	for k := range g {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	for _, k := range keys {
		var peers []string
		for _, v := range g[k] {
			peers = append(peers, nodes[v].Name)
		}
		parts = append(parts, nodes[k].Name+"-x-"+strings.Join(peers, ","))
	}
	return strings.Join(parts, " ")
}

func (p *Partition) apply(ctx context.Context, g Grudge) error {
	nw := p.cfg.Network
	if nw.Mode == netns.ModeNetns {
		for i, peers := range g {
			var ips []string
			for _, v := range peers {
				ips = append(ips, nw.Nodes[v].IP.String())
			}
			rules := fmt.Sprintf("table inet %s {\n chain input {\n  type filter hook input priority -10; policy accept;\n  ip saddr { %s } drop\n }\n}\n",
				nsTable, strings.Join(ips, ", "))
			if err := nftScript(ctx, nw.Nodes[i].NS, rules); err != nil {
				return err
			}
		}
		return nil
	}
	t := p.rootTable()
	if err := nw.Ledger.AddNftTable(t); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "table %s %s {\n chain input {\n  type filter hook input priority -10; policy accept;\n", t.Family, t.Name)
	for i, peers := range g {
		for _, v := range peers {
			fmt.Fprintf(&b, "  ip saddr %s ip daddr %s drop\n", nw.Nodes[v].IP, nw.Nodes[i].IP)
		}
	}
	b.WriteString(" }\n}\n")
	return nftScript(ctx, "", b.String())
}

func nftScript(ctx context.Context, ns, script string) error {
	cmd := netns.Command(ctx, ns, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("nemesis: nft in %q: %w: %s", ns, err, out)
	}
	return nil
}

// Heal removes every rule this nemesis installed.
func (p *Partition) Heal(ctx context.Context) error {
	if !p.active {
		return nil
	}
	nw := p.cfg.Network
	var errs []error
	if nw.Mode == netns.ModeNetns {
		for _, n := range nw.Nodes {
			if out, err := netns.Run(ctx, n.NS, "nft", "list", "tables"); err == nil && strings.Contains(out, " "+nsTable+"\n") {
				if _, err := netns.Run(ctx, n.NS, "nft", "delete", "table", "inet", nsTable); err != nil {
					errs = append(errs, err)
				}
			}
		}
	} else {
		t := p.rootTable()
		if out, err := netns.Run(ctx, "", "nft", "list", "tables"); err == nil && strings.Contains(out, " "+t.Name+"\n") {
			if _, err := netns.Run(ctx, "", "nft", "delete", "table", t.Family, t.Name); err != nil {
				errs = append(errs, err)
			}
		}
		errs = append(errs, nw.Ledger.DelNftTable(t))
	}
	err := errors.Join(errs...)
	p.active = false
	p.record("heal", nil, "remove nft rules", err)
	return err
}
