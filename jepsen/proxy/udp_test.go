package proxy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// udpEcho serves UDP echo on pc and counts the datagrams it received.
func udpEcho(t *testing.T, pc net.PacketConn) *atomic.Int64 {
	t.Helper()
	var got atomic.Int64
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, maxDatagram)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			got.Add(1)
			_, _ = pc.WriteTo(buf[:n], from)
		}
	}()
	return &got
}

func udpEchoServer(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return pc.LocalAddr().String(), udpEcho(t, pc)
}

// udpProxy starts a UDP-only proxy in front of target.
func udpProxy(t *testing.T, target string, cfg Config) *Proxy {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Target, cfg.PacketConn, cfg.Seed = target, pc, 1
	p, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// udpClient is a sender; it returns its socket.
func udpClient(t *testing.T) net.PacketConn {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// urtt sends msg to addr from c and waits for the same bytes back from addr.
func urtt(c net.PacketConn, addr string, msg []byte, wait time.Duration) (time.Duration, error) {
	to, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	_ = c.SetReadDeadline(start.Add(wait))
	if _, err := c.WriteTo(msg, to); err != nil {
		return 0, err
	}
	buf := make([]byte, maxDatagram)
	n, from, err := c.ReadFrom(buf)
	if err != nil {
		return 0, err
	}
	if from.String() != to.String() || !bytes.Equal(buf[:n], msg) {
		return 0, fmt.Errorf("got %q from %v, want %q from %v", buf[:n], from, msg, to)
	}
	return time.Since(start), nil
}

func TestUDPRoundTripTwoSenders(t *testing.T) {
	target, _ := udpEchoServer(t)
	p := udpProxy(t, target, Config{})
	var wg sync.WaitGroup
	for i := range 2 {
		c := udpClient(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 20 {
				msg := fmt.Appendf(nil, "sender %d msg %d from %v", i, j, c.LocalAddr())
				if _, err := urtt(c, p.Addr(), msg, 2*time.Second); err != nil {
					t.Errorf("sender %d: %v", i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if s := p.Stats(); s.Packets != 80 || s.Chunks != 0 {
		t.Fatalf("want 80 packets (2 senders x 20 x both ways), 0 TCP chunks: %+v", s)
	}
	big := bytes.Repeat([]byte("x"), 60000)
	if _, err := urtt(udpClient(t), p.Addr(), big, 2*time.Second); err != nil {
		t.Fatalf("60 kB datagram: %v", err)
	}
}

func TestUDPDelayBothWays(t *testing.T) {
	target, _ := udpEchoServer(t)
	p := udpProxy(t, target, Config{})
	p.Set(Faults{Delay: 100 * time.Millisecond, Jitter: 20 * time.Millisecond})
	d, err := urtt(udpClient(t), p.Addr(), []byte("slow"), 2*time.Second)
	if err != nil || d < 200*time.Millisecond {
		t.Fatalf("delay not applied in both directions: rtt %v err %v", d, err)
	}
}

func TestUDPFaultsSwallow(t *testing.T) {
	for _, tc := range []struct {
		name  string
		f     Faults
		count func(Stats) uint64
	}{
		{"drop", Faults{DropProb: 1}, func(s Stats) uint64 { return s.Dropped }},
		{"blackhole", Faults{Blackhole: true}, func(s Stats) uint64 { return s.Swallowed }},
		{"refuse", Faults{Refuse: true}, func(s Stats) uint64 { return s.Swallowed }},
		{"reset", Faults{ResetProb: 1}, func(s Stats) uint64 { return s.Resets }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target, got := udpEchoServer(t)
			p := udpProxy(t, target, Config{})
			c := udpClient(t)
			p.Set(tc.f)
			if _, err := urtt(c, p.Addr(), []byte("lost"), 300*time.Millisecond); err == nil {
				t.Fatal("a datagram got through")
			}
			if got.Load() != 0 || tc.count(p.Stats()) != 1 {
				t.Fatalf("target saw %d datagrams, stats %+v", got.Load(), p.Stats())
			}
			p.Set(Faults{})
			if _, err := urtt(c, p.Addr(), []byte("healed"), 2*time.Second); err != nil {
				t.Fatalf("healed proxy: %v", err)
			}
		})
	}
}

func TestUDPCloseStopsForwarding(t *testing.T) {
	target, got := udpEchoServer(t)
	p := udpProxy(t, target, Config{})
	c := udpClient(t)
	if _, err := urtt(c, p.Addr(), []byte("before"), 2*time.Second); err != nil {
		t.Fatal(err)
	}
	p.Set(Faults{Delay: 2 * time.Second})
	to, _ := net.ResolveUDPAddr("udp", p.Addr())
	_, _ = c.WriteTo([]byte("pending"), to)
	time.Sleep(50 * time.Millisecond) // let the proxy schedule the send
	start := time.Now()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Close waited %v for a delayed send", d)
	}
	time.Sleep(2200 * time.Millisecond)
	if n := got.Load(); n != 1 {
		t.Fatalf("target saw %d datagrams, want only the one before Close", n)
	}
	if _, err := urtt(c, to.String(), []byte("after"), 300*time.Millisecond); err == nil {
		t.Fatal("closed proxy still forwards")
	}
}

func TestUDPResetConnsAndIdle(t *testing.T) {
	target, _ := udpEchoServer(t)
	p := udpProxy(t, target, Config{PacketIdle: 200 * time.Millisecond})
	c := udpClient(t)
	live := func() int { p.mu.Lock(); defer p.mu.Unlock(); return len(p.udp.maps) }
	if _, err := urtt(c, p.Addr(), []byte("a"), 2*time.Second); err != nil || live() != 1 {
		t.Fatalf("err %v, %d mappings", err, live())
	}
	p.ResetConns()
	if live() != 0 {
		t.Fatalf("ResetConns left %d mappings", live())
	}
	if _, err := urtt(c, p.Addr(), []byte("b"), 2*time.Second); err != nil || live() != 1 {
		t.Fatalf("mapping not re-created: err %v, %d mappings", err, live())
	}
	deadline := time.Now().Add(2 * time.Second)
	for live() != 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if live() != 0 {
		t.Fatal("idle mapping not closed")
	}
}

func TestUDPMappingCap(t *testing.T) {
	for _, tc := range []struct{ max, senders, want int }{
		{1, 3, 1},
		{2, 3, 2},
		{4, 3, 3},
	} {
		t.Run(fmt.Sprintf("max%d_senders%d", tc.max, tc.senders), func(t *testing.T) {
			target, _ := udpEchoServer(t)
			p := udpProxy(t, target, Config{PacketMaxMappings: tc.max})
			cs := make([]net.PacketConn, tc.senders)
			for i := range cs {
				cs[i] = udpClient(t)
			}
			for round := range 2 { // evicted senders get a fresh mapping
				for i, c := range cs {
					if _, err := urtt(c, p.Addr(), fmt.Appendf(nil, "%d/%d", round, i), 2*time.Second); err != nil {
						t.Fatalf("round %d sender %d: %v", round, i, err)
					}
				}
			}
			p.mu.Lock()
			n := len(p.udp.maps)
			p.mu.Unlock()
			if n != tc.want {
				t.Fatalf("%d live mappings, want %d", n, tc.want)
			}
		})
	}
}

// TestTCPAndUDPOnOnePort is the memberlist shape: a TCP listener and a UDP
// socket on the same address, forwarding to a target serving both.
func TestTCPAndUDPOnOnePort(t *testing.T) {
	tln, upc := samePort(t)
	target := tln.Addr().String()
	t.Cleanup(func() { tln.Close() })
	go func() {
		for {
			c, err := tln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); buf := make([]byte, 4); _, _ = io.ReadFull(c, buf); _, _ = c.Write(buf) }()
		}
	}()
	udpEcho(t, upc)
	ln, pc := samePort(t)
	p, err := New(context.Background(), Config{Listener: ln, PacketConn: pc, Target: target})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	if p.Addr() != pc.LocalAddr().String() {
		t.Fatalf("addr %s, udp %s", p.Addr(), pc.LocalAddr())
	}
	tc, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	if _, err := rtt(t, tc, 2*time.Second); err != nil {
		t.Fatalf("tcp: %v", err)
	}
	if _, err := urtt(udpClient(t), p.Addr(), []byte("ping"), 2*time.Second); err != nil {
		t.Fatalf("udp: %v", err)
	}
	if s := p.Stats(); s.Conns != 1 || s.Chunks < 2 || s.Packets != 2 {
		t.Fatalf("stats %+v", s)
	}
}

// samePort returns a TCP listener and a UDP socket on one 127.0.0.1 port.
func samePort(t *testing.T) (net.Listener, net.PacketConn) {
	t.Helper()
	for range 20 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		pc, err := net.ListenPacket("udp", ln.Addr().String())
		if err == nil {
			return ln, pc
		}
		ln.Close()
	}
	t.Fatal("no port free for both tcp and udp")
	return nil, nil
}
