package runner

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/datamon-io/datamon/jepsen/proxy"
)

// CheckPeerProxies must fail a slot whose proxies carried nothing, and the
// gossip proxy counts datagrams, not connections.
func TestCheckPeerProxies(t *testing.T) {
	ctx := context.Background()
	tcpT, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer tcpT.Close()
	go func() {
		for {
			c, err := tcpT.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	udpT, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer udpT.Close()
	mk := func(gossip bool) *proxy.Proxy {
		cfg := proxy.Config{Target: tcpT.Addr().String()}
		if gossip {
			pc, err := net.ListenPacket("udp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			cfg = proxy.Config{Target: udpT.LocalAddr().String(), PacketConn: pc}
		}
		p, err := proxy.New(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = p.Close() })
		return p
	}
	slot := []*proxy.Proxy{mk(false), mk(false), mk(true)}
	proxies := map[string][]*proxy.Proxy{"n1": slot}
	if r := CheckPeerProxies(proxies); r.Valid || len(r.Anomalies) != 3 {
		t.Fatalf("idle proxies passed: %+v", r)
	}
	for _, p := range slot[:2] {
		c, err := net.Dial("tcp", p.Addr())
		if err != nil {
			t.Fatal(err)
		}
		_, _ = c.Write([]byte("x"))
		_ = c.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for slot[0].Stats().Conns == 0 || slot[1].Stats().Conns == 0 {
		if time.Now().After(deadline) {
			t.Fatal("tcp proxies never connected")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if r := CheckPeerProxies(proxies); r.Valid || len(r.Anomalies) != 1 || r.Anomalies[0].Detail == "" {
		t.Fatalf("gossip proxy without datagrams passed: %+v", r)
	}
	u, err := net.Dial("udp", slot[2].Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	_, _ = u.Write([]byte("ping"))
	for slot[2].Stats().Packets == 0 {
		if time.Now().After(deadline) {
			t.Fatal("gossip proxy saw no datagram")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if r := CheckPeerProxies(proxies); !r.Valid || r.Stats["gossip-packets"] != 1 || r.Stats["rpc-conns"] != 1 {
		t.Fatalf("busy proxies failed: %+v", r)
	}
}
