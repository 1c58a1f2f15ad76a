package node

import (
	"fmt"
	"net"
	"strconv"
)

// Advertised RPC and Raft addresses. By default a node advertises its bind
// address (with Advertise as the host when it binds a wildcard). Behind NAT,
// port forwarding or a TCP proxy the address peers must dial differs from
// the bind address in host and port: --advertise-rpc / --advertise-raft /
// --advertise-gossip (advertise_rpc / advertise_raft / advertise_gossip) set
// it outright. memberlist speaks UDP and TCP on the gossip port, so whatever
// forwards the advertised gossip address must carry both; memberlist also
// needs an IP there, not a host name.

func (c *Config) advertisedRPC() string {
	if c.AdvertiseRPC != "" {
		return c.AdvertiseRPC
	}
	return c.advertised(c.RPCAddr)
}

func (c *Config) advertisedRaft() string {
	if c.AdvertiseRaft != "" {
		return c.AdvertiseRaft
	}
	return c.advertised(c.RaftAddr)
}

// advertisedGossip is the gossip address peers probe and push to.
func (c *Config) advertisedGossip() string {
	if c.AdvertiseGossip != "" {
		return c.AdvertiseGossip
	}
	return c.advertised(c.GossipAddr)
}

// validateAdvertise checks that explicit advertise addresses are host:port
// with a concrete host and a port.
func (c *Config) validateAdvertise() error {
	addrs := map[string]string{"advertise-rpc": c.AdvertiseRPC, "advertise-raft": c.AdvertiseRaft, "advertise-gossip": c.AdvertiseGossip}
	for name, a := range addrs {
		if a == "" {
			continue
		}
		host, port, err := net.SplitHostPort(a)
		if err != nil {
			return fmt.Errorf("%w: %s %q: %v", ErrConfig, name, a, err)
		}
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			return fmt.Errorf("%w: %s %q: needs the host peers dial, not a wildcard", ErrConfig, name, a)
		}
		if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
			return fmt.Errorf("%w: %s %q: bad port", ErrConfig, name, a)
		}
		if name == "advertise-gossip" && net.ParseIP(host) == nil {
			return fmt.Errorf("%w: %s %q: gossip needs an IP address, not a host name", ErrConfig, name, a)
		}
	}
	return nil
}
