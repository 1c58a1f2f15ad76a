package netns

import (
	"context"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Echo serves one echo listener until the test ends.
func echo(t *testing.T, ln net.Listener) {
	t.Helper()
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
}

func TestNetworkNetns(t *testing.T) {
	if err := Supported(); err != nil {
		t.Skip(err)
	}
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.Nodes, cfg.Mode, cfg.StateDir = 2, ModeNetns, t.TempDir()
	n, err := Create(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Close(context.Background()) })

	ln, err := ListenIn(n.Nodes[0].NS, "tcp", n.Nodes[0].IP.String()+":7000")
	if err != nil {
		t.Fatal(err)
	}
	echo(t, ln)
	addr := ln.Addr().String()
	dctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	for _, ns := range []string{n.ClientNS, n.Nodes[1].NS} {
		c, err := DialIn(dctx, ns, "tcp", addr)
		if err != nil {
			t.Fatalf("dial from %s: %v", ns, err)
		}
		_, _ = c.Write([]byte("hi"))
		buf := make([]byte, 2)
		if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "hi" {
			t.Fatalf("echo from %s: %q %v", ns, buf, err)
		}
		c.Close()
	}
	// The root namespace must not reach the subnet (unreachable guard route).
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatal("root namespace reached the test subnet")
	}
	// ip netns exec keeps the real child's PID.
	cmd := n.Command(ctx, 1, "sleep", "5")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	comm, _ := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/comm")
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if strings.TrimSpace(string(comm)) != "sleep" {
		t.Fatalf("child pid is %q, want sleep", comm)
	}

	if err := n.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for _, node := range n.Nodes {
		if _, err := os.Stat("/run/netns/" + node.NS); err == nil {
			t.Fatalf("%s leaked", node.NS)
		}
	}
	out, _ := run(ctx, "ip", "route", "show", n.Subnet.String())
	if strings.Contains(out, "unreachable") {
		t.Fatal("guard route leaked")
	}
}

func TestCleanupStale(t *testing.T) {
	if err := Supported(); err != nil {
		t.Skip(err)
	}
	ctx := context.Background()
	dir := t.TempDir()
	l, err := NewLedger(dir, "jpstale")
	if err != nil {
		t.Fatal(err)
	}
	_ = l.AddNamespace("jpstale-x")
	if _, err := run(ctx, "ip", "netns", "add", "jpstale-x"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = run(ctx, "ip", "netns", "del", "jpstale-x") })
	// A live owner is left alone.
	if err := CleanupStale(ctx, dir, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/run/netns/jpstale-x"); err != nil {
		t.Fatal("live ledger was cleaned")
	}
	// An owner whose PID means nothing here (another PID namespace) but
	// that holds its lock is alive.
	l.st.PID = 1 << 30
	_ = l.save()
	if err := CleanupStale(ctx, dir, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/run/netns/jpstale-x"); err != nil {
		t.Fatal("ledger of a lock holder was cleaned")
	}
	// A dead owner is cleaned: its lock file stays, the kernel dropped the lock.
	_ = l.lock.Close()
	if err := CleanupStale(ctx, dir, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/run/netns/jpstale-x"); err == nil {
		t.Fatal("stale namespace survived")
	}
}

func TestLoopbackMode(t *testing.T) {
	n, err := Create(context.Background(), Config{Nodes: 3, Mode: ModeLoopback})
	if err != nil {
		t.Fatal(err)
	}
	if n.Mode != ModeLoopback || len(n.Nodes) != 3 || !n.Nodes[2].IP.IsLoopback() {
		t.Fatalf("bad loopback network %+v", n)
	}
	if err := n.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}
