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

// startProxies starts the PeerProxies: listeners made inside each node's
// namespace (a socket keeps its namespace), dialing the node there. The
// gossip proxy listens for TCP and UDP on one port, as memberlist does.
func (c *ProcessCluster) startProxies(ctx context.Context) error {
	c.proxies = map[string][]*proxy.Proxy{}
	for _, s := range c.env.Specs {
		for i, port := range []int{s.Ports.RPC, s.Ports.Raft, s.Ports.Gossip} {
			addr := s.Addr(port + PeerProxyOffset)
			ln, err := netns.ListenIn(s.NS, "tcp", addr)
			if err != nil {
				return fmt.Errorf("runner: proxy for %s: %w", s.ID, err)
			}
			var pc net.PacketConn
			if port == s.Ports.Gossip {
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

// CheckPeerProxies fails unless every slot's proxies carried traffic: RPC
// and Raft connections and gossip datagrams. A node that bypassed its
// proxies (an advertise flag not taking effect) would leave the latency
// and lossy nemeses without effect, and the scenario must not pass then.
func CheckPeerProxies(proxies map[string][]*proxy.Proxy) checker.Result {
	r := checker.Result{Checker: "peer-proxies", Valid: true, Stats: map[string]int{}}
	slots := make([]string, 0, len(proxies))
	for slot := range proxies {
		slots = append(slots, slot)
	}
	sort.Strings(slots)
	names := []string{"rpc", "raft", "gossip"}
	for _, slot := range slots {
		for i, p := range proxies[slot] {
			st := p.Stats()
			name := fmt.Sprintf("proxy-%d", i)
			if i < len(names) {
				name = names[i]
			}
			r.Stats[name+"-conns"] += int(st.Conns)
			r.Stats[name+"-packets"] += int(st.Packets)
			r.Stats["dropped"] += int(st.Dropped)
			r.Stats["resets"] += int(st.Resets)
			idle := st.Conns == 0
			if name == "gossip" {
				idle = st.Packets == 0
			}
			if idle {
				r.Valid = false
				r.Anomalies = append(r.Anomalies, checker.Anomaly{Kind: "proxy-bypassed", Key: slot,
					Detail: fmt.Sprintf("%s proxy of %s forwarded nothing (%+v): peers do not reach the node through it", name, slot, st)})
			}
		}
	}
	return r
}
