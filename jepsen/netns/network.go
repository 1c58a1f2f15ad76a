package netns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"sync"
)

// Node is one node's place in the test network.
type Node struct {
	Name string     // "n1", "n2", …
	NS   string     // namespace name; "" in loopback mode
	IP   netip.Addr // the node's address (10.77.X.(11+i) or 127.77.X.(11+i))
}

// Network is a created test network. Close it (t.Cleanup) even on failure.
type Network struct {
	Mode     Mode         // ModeNetns or ModeLoopback: which mode actually ran
	Why      string       // why loopback was chosen in auto mode ("" otherwise)
	Subnet   netip.Prefix // node subnet
	BridgeNS string       // "" in loopback mode
	ClientNS string       // namespace for clients; "" in loopback mode
	ClientIP netip.Addr   // client address inside ClientNS
	Nodes    []Node
	Ledger   *Ledger // records artifacts; other packages add theirs (nil when unprivileged)

	cfg       Config
	closeOnce sync.Once
	closeErr  error
}

// Create builds the network described by cfg. In auto mode it falls back to
// loopback when Supported() fails and records why in Network.Why.
func Create(ctx context.Context, cfg Config) (*Network, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	mode, why := cfg.Mode, ""
	if mode == ModeAuto {
		mode = ModeNetns
		if err := Supported(); err != nil {
			mode, why = ModeLoopback, err.Error()
		}
	}
	if mode == ModeLoopback {
		n := loopback(cfg, why)
		if os.Geteuid() == 0 {
			_ = CleanupStale(ctx, cfg.StateDir, cfg.Logger)
			if led, err := NewLedger(cfg.StateDir, cfg.Prefix); err == nil {
				n.Ledger = led // records root nft tables and mounts of this run
			}
		}
		return n, nil
	}
	if err := Supported(); err != nil {
		return nil, err
	}
	if err := CleanupStale(ctx, cfg.StateDir, cfg.Logger); err != nil {
		cfg.Logger.Warn("netns: stale cleanup incomplete", "err", err)
	}
	n := &Network{Mode: ModeNetns, cfg: cfg}
	led, err := NewLedger(cfg.StateDir, cfg.Prefix)
	if err != nil {
		return nil, err
	}
	n.Ledger = led
	if err := n.build(ctx); err != nil {
		return nil, errors.Join(err, n.Close(context.WithoutCancel(ctx)))
	}
	cfg.Logger.Info("netns: network up", "subnet", n.Subnet, "nodes", len(n.Nodes), "bridge", n.BridgeNS)
	return n, nil
}

func loopback(cfg Config, why string) *Network {
	x := byte(1 + os.Getpid()%250)
	n := &Network{Mode: ModeLoopback, Why: why, cfg: cfg,
		Subnet: netip.PrefixFrom(netip.AddrFrom4([4]byte{127, 77, x, 0}), 24), ClientIP: netip.AddrFrom4([4]byte{127, 0, 0, 1})}
	for i := range cfg.Nodes {
		n.Nodes = append(n.Nodes, Node{Name: fmt.Sprintf("n%d", i+1), IP: netip.AddrFrom4([4]byte{127, 77, x, byte(11 + i)})})
	}
	return n
}

// lockSubnet claims 10.77.X.0/24 by adding its unreachable route; the kernel
// refuses a duplicate, so two concurrent runs never share a subnet.
func (n *Network) lockSubnet(ctx context.Context) error {
	start := os.Getpid() % 250
	for i := range 250 {
		x := byte((start + i) % 250)
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 77, x, 0}), 24)
		if err := n.Ledger.AddRoute(p.String()); err != nil {
			return err
		}
		if _, err := run(ctx, "ip", "route", "add", "unreachable", p.String()); err == nil {
			n.Subnet = p
			return nil
		}
		_ = n.Ledger.DelRoute(p.String())
	}
	return errors.New("netns: no free 10.77.X.0/24 subnet")
}

func (n *Network) addNS(ctx context.Context, name string) error {
	if err := n.Ledger.AddNamespace(name); err != nil {
		return err
	}
	if _, err := run(ctx, "ip", "netns", "add", name); err != nil {
		return err
	}
	_, err := Run(ctx, name, "ip", "link", "set", "lo", "up")
	return err
}

// attach creates a veth pair between the bridge namespace (end "v<tag>") and
// namespace ns (end "eth0") and gives ns the address ip.
func (n *Network) attach(ctx context.Context, ns, tag string, ip netip.Addr) error {
	br := "v" + tag
	steps := [][]string{
		{"-n", n.BridgeNS, "link", "add", br, "type", "veth", "peer", "name", "eth0", "netns", ns},
		{"-n", n.BridgeNS, "link", "set", br, "master", "br0", "up"},
		{"-n", ns, "addr", "add", netip.PrefixFrom(ip, n.Subnet.Bits()).String(), "dev", "eth0"},
		{"-n", ns, "link", "set", "eth0", "up"},
	}
	for _, s := range steps {
		if _, err := run(ctx, "ip", s...); err != nil {
			return err
		}
	}
	return nil
}

func (n *Network) build(ctx context.Context) error {
	if err := n.lockSubnet(ctx); err != nil {
		return err
	}
	base := n.Subnet.Addr().As4()
	ip := func(last byte) netip.Addr { return netip.AddrFrom4([4]byte{base[0], base[1], base[2], last}) }
	n.BridgeNS = n.cfg.Prefix + "-br"
	if err := n.addNS(ctx, n.BridgeNS); err != nil {
		return err
	}
	if _, err := run(ctx, "ip", "-n", n.BridgeNS, "link", "add", "br0", "type", "bridge"); err != nil {
		return err
	}
	if _, err := run(ctx, "ip", "-n", n.BridgeNS, "link", "set", "br0", "up"); err != nil {
		return err
	}
	n.ClientNS, n.ClientIP = n.cfg.Prefix+"-c", ip(2)
	if err := n.addNS(ctx, n.ClientNS); err != nil {
		return err
	}
	if err := n.attach(ctx, n.ClientNS, "c", n.ClientIP); err != nil {
		return err
	}
	for i := range n.cfg.Nodes {
		node := Node{Name: fmt.Sprintf("n%d", i+1), NS: fmt.Sprintf("%s-n%d", n.cfg.Prefix, i+1), IP: ip(byte(11 + i))}
		if err := n.addNS(ctx, node.NS); err != nil {
			return err
		}
		if err := n.attach(ctx, node.NS, node.Name, node.IP); err != nil {
			return err
		}
		n.Nodes = append(n.Nodes, node)
	}
	return nil
}

// Command runs name inside node i's namespace (root namespace in loopback mode).
func (n *Network) Command(ctx context.Context, i int, name string, args ...string) *exec.Cmd {
	return Command(ctx, n.Nodes[i].NS, name, args...)
}

// Close deletes every namespace and the guard route. Idempotent.
func (n *Network) Close(ctx context.Context) error {
	n.closeOnce.Do(func() {
		if n.Ledger == nil {
			return
		}
		var errs []error
		n.Ledger.mu.Lock()
		st := n.Ledger.st
		st.Namespaces = append([]string(nil), st.Namespaces...)
		st.Routes = append([]string(nil), st.Routes...)
		st.NftTables = append([]NftTable(nil), st.NftTables...)
		st.Mounts = append([]string(nil), st.Mounts...)
		n.Ledger.mu.Unlock()
		errs = append(errs, removeArtifacts(ctx, st))
		for _, ns := range st.Namespaces {
			if _, err := os.Stat("/run/netns/" + ns); err == nil {
				errs = append(errs, fmt.Errorf("netns: %s still present", ns))
			}
		}
		if err := errors.Join(errs...); err != nil {
			n.closeErr = err
			return
		}
		n.closeErr = n.Ledger.Close()
	})
	return n.closeErr
}

// Dialer returns a dial function whose sockets live in the client namespace
// (plain dialing in loopback mode). Use it for every client of the cluster:
// the root namespace cannot reach the test subnet by construction.
func (n *Network) Dialer() func(ctx context.Context, network, addr string) (net.Conn, error) {
	if n.Mode != ModeNetns {
		var d net.Dialer
		return d.DialContext
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		return DialIn(ctx, n.ClientNS, network, addr)
	}
}
