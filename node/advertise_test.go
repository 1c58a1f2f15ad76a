package node

import (
	"errors"
	"testing"
)

func TestAdvertiseRPCRaft(t *testing.T) {
	c := Config{RPCAddr: "0.0.0.0:7947", RaftAddr: "10.0.0.1:7948", Advertise: "10.0.0.9"}
	if got := c.advertisedRPC(); got != "10.0.0.9:7947" {
		t.Fatalf("default rpc %s", got)
	}
	if got := c.advertisedRaft(); got != "10.0.0.1:7948" {
		t.Fatalf("default raft %s", got)
	}
	c.AdvertiseRPC, c.AdvertiseRaft = "gw.example:17947", "192.0.2.7:17948"
	if c.advertisedRPC() != "gw.example:17947" || c.advertisedRaft() != "192.0.2.7:17948" {
		t.Fatalf("explicit: %s %s", c.advertisedRPC(), c.advertisedRaft())
	}
	if err := c.validateAdvertise(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"10.0.0.1", "0.0.0.0:7947", ":7947", "10.0.0.1:0", "10.0.0.1:x"} {
		c.AdvertiseRPC = bad
		if err := c.validateAdvertise(); !errors.Is(err, ErrConfig) {
			t.Errorf("advertise-rpc %q accepted", bad)
		}
	}
}

func TestAdvertiseGossip(t *testing.T) {
	c := Config{GossipAddr: "0.0.0.0:7946", Advertise: "10.0.0.9"}
	if got := c.advertisedGossip(); got != "10.0.0.9:7946" {
		t.Fatalf("default gossip %s", got)
	}
	c.AdvertiseGossip = "192.0.2.7:17946"
	if got := c.advertisedGossip(); got != "192.0.2.7:17946" {
		t.Fatalf("explicit gossip %s", got)
	}
	if err := c.validateAdvertise(); err != nil {
		t.Fatal(err)
	}
	// memberlist parses the advertised gossip host as an IP.
	for _, bad := range []string{"gw.example:17946", "0.0.0.0:7946", "10.0.0.1", "10.0.0.1:70000"} {
		c.AdvertiseGossip = bad
		if err := c.validateAdvertise(); !errors.Is(err, ErrConfig) {
			t.Errorf("advertise-gossip %q accepted", bad)
		}
	}
}
