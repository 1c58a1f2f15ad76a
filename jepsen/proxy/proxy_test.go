package proxy

import (
	"context"
	"io"
	"net"
	"testing"
	"time"
)

func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }()
		}
	}()
	return ln.Addr().String()
}

// rtt sends one message and waits for its echo, with a deadline.
func rtt(t *testing.T, c net.Conn, wait time.Duration) (time.Duration, error) {
	t.Helper()
	start := time.Now()
	_ = c.SetDeadline(start.Add(wait))
	if _, err := c.Write([]byte("ping")); err != nil {
		return 0, err
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c, buf); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

func TestProxyFaultsBite(t *testing.T) {
	ctx := context.Background()
	p, err := New(ctx, Config{Target: echoServer(t), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	base, err := rtt(t, c, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}

	p.Set(Faults{Delay: 100 * time.Millisecond, Jitter: 20 * time.Millisecond})
	d, err := rtt(t, c, 2*time.Second)
	if err != nil || d < 200*time.Millisecond {
		t.Fatalf("delay did not bite: base %v delayed %v err %v", base, d, err)
	}

	p.Set(Faults{Blackhole: true})
	if _, err := rtt(t, c, 300*time.Millisecond); err == nil {
		t.Fatal("blackhole let a message through")
	}
	_ = c.Close()

	p.Set(Faults{DropProb: 1})
	c2, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if _, err := rtt(t, c2, 300*time.Millisecond); err == nil {
		t.Fatal("drop=1 let a message through")
	}

	p.Set(Faults{ResetProb: 1})
	c3, _ := net.Dial("tcp", p.Addr())
	defer c3.Close()
	if _, err := rtt(t, c3, time.Second); err == nil {
		t.Fatal("reset=1 let a message through")
	}

	p.Set(Faults{})
	c4, _ := net.Dial("tcp", p.Addr())
	defer c4.Close()
	if _, err := rtt(t, c4, 2*time.Second); err != nil {
		t.Fatalf("healed proxy failed: %v", err)
	}
	s := p.Stats()
	if s.Swallowed == 0 || s.Dropped == 0 || s.Resets == 0 {
		t.Fatalf("stats did not count faults: %+v", s)
	}
}
