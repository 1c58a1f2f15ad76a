package runner

import (
	"context"
	"fmt"
	"net"
	"sort"

	"github.com/datamon-io/datamon/jepsen/checker"
	"github.com/datamon-io/datamon/jepsen/netns"
	"github.com/datamon-io/datamon/jepsen/proxy"
)

// Peer proxies (ProcessClusterConfig.PeerProxies): three jepsen/proxy
// instances per slot, in front of its RPC, Raft and gossip ports, so the
// latency and lossy nemeses reach all node-to-node traffic into a node.

// Positions of a slot's proxies in PeerProxies.
const (
	proxyRPC = iota
	proxyRaft
	proxyGossip
)

// startProxies starts the PeerProxies: listeners made inside each node's
// namespace (a socket keeps its namespace), dialing the node there. The
// gossip proxy listens for TCP and UDP on one port, as memberlist does.
func (c *ProcessCluster) startProxies(ctx context.Context) error {
	c.proxies = map[string][]*proxy.Proxy{}
	for _, s := range c.env.Specs {
		for i, port := range []int{proxyRPC: s.Ports.RPC, proxyRaft: s.Ports.Raft, proxyGossip: s.Ports.Gossip} {
			addr := s.Addr(port + PeerProxyOffset)
			ln, err := netns.ListenIn(s.NS, "tcp", addr)
			if err != nil {
				return fmt.Errorf("runner: proxy for %s: %w", s.ID, err)
			}
			var pc net.PacketConn
			if i == proxyGossip {
				if pc, err = netns.ListenPacketIn(s.NS, "udp", addr); err != nil {
					_ = ln.Close()
					return fmt.Errorf("runner: gossip proxy for %s: %w", s.ID, err)
				}
			}
			ns := s.NS
			p, err := proxy.New(ctx, proxy.Config{Listener: ln, PacketConn: pc, Target: s.Addr(port), Seed: uint64(s.Index*3 + i + 1),
				Logger: c.env.Logger, Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
					return netns.DialIn(ctx, ns, network, addr)
				}})
			if err != nil {
				_ = ln.Close()
				if pc != nil {
					_ = pc.Close()
				}
				return err
			}
			c.proxies[s.ID] = append(c.proxies[s.ID], p)
		}
	}
	return nil
}

// PeerProxies returns slot → the proxies in front of its RPC, Raft and gossip ports
// (nil without ProcessClusterConfig.PeerProxies).
func (c *ProcessCluster) PeerProxies() map[string][]*proxy.Proxy { return c.proxies }

// CheckPeerProxies fails unless the proxies carried traffic: every slot's
// RPC connections (shard traffic reaches every node) and gossip datagrams
// (every node is probed), and Raft connections somewhere (a node that led
// for the whole run receives none: Raft RPCs flow from the leader). A node
// that bypassed its proxies (an advertise flag not taking effect) would
// leave the latency and lossy nemeses without effect, and the scenario
// must not pass then.
func CheckPeerProxies(proxies map[string][]*proxy.Proxy) checker.Result {
	r := checker.Result{Checker: "peer-proxies", Valid: true, Stats: map[string]int{}}
	slots := make([]string, 0, len(proxies))
	for slot := range proxies {
		slots = append(slots, slot)
	}
	sort.Strings(slots)
	bypassed := func(key, detail string) {
		r.Valid = false
		r.Anomalies = append(r.Anomalies, checker.Anomaly{Kind: "proxy-bypassed", Key: key, Detail: detail})
	}
	for _, slot := range slots {
		for i, p := range proxies[slot] {
			st := p.Stats()
			r.Stats["dropped"] += int(st.Dropped)
			r.Stats["resets"] += int(st.Resets)
			switch i {
			case proxyRPC:
				r.Stats["rpc-conns"] += int(st.Conns)
				if st.Conns == 0 {
					bypassed(slot, fmt.Sprintf("the RPC proxy of %s forwarded no connection (%+v)", slot, st))
				}
			case proxyRaft:
				r.Stats["raft-conns"] += int(st.Conns)
			case proxyGossip:
				r.Stats["gossip-packets"] += int(st.Packets)
				r.Stats["gossip-conns"] += int(st.Conns)
				if st.Packets == 0 {
					bypassed(slot, fmt.Sprintf("the gossip proxy of %s forwarded no datagram (%+v)", slot, st))
				}
			}
		}
	}
	if len(slots) > 0 && r.Stats["raft-conns"] == 0 {
		bypassed("cluster", "no Raft proxy forwarded a connection")
	}
	return r
}
