package membership

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"
)

var testSecret = []byte("cluster-secret-for-tests")

func testLogger(t *testing.T) *slog.Logger {
	if os.Getenv("MEMBERSHIP_DEBUG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return nil
}

func testConfig(t *testing.T, id string, port int, join ...string) Config {
	t.Helper()
	c := DefaultConfig()
	c.Meta = Meta{ID: id, Site: "site-a", Capacity: 100, RPCAddr: "127.0.0.1:1", Server: true, Version: 1}
	c.BindAddr = "127.0.0.1"
	c.BindPort = port
	c.Secret = testSecret
	c.Join = join
	c.Fast = true
	c.JoinAttempts = 3
	c.JoinBackoff = 50 * time.Millisecond
	c.Logger = testLogger(t)
	return c
}

func start(t *testing.T, cfg Config) *Membership {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	m, err := Start(ctx, cfg)
	if err != nil {
		t.Fatalf("start %s: %v", cfg.Meta.ID, err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

// waitFor polls cond until it returns nil or the timeout expires.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s: %v", timeout, what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func find(ms []Member, id string) (Member, bool) {
	for _, m := range ms {
		if m.ID == id {
			return m, true
		}
	}
	return Member{}, false
}

func expectState(nodes []*Membership, id string, want State) func() error {
	return func() error {
		for _, n := range nodes {
			m, ok := find(n.Members(), id)
			if !ok {
				return fmt.Errorf("%s does not know %s", n.Local().ID, id)
			}
			if m.State != want {
				return fmt.Errorf("%s sees %s as %v", n.Local().ID, id, m.State)
			}
		}
		return nil
	}
}

func TestClusterLifecycle(t *testing.T) {
	seed := start(t, testConfig(t, "n0", 0))
	events, unsub := seed.Subscribe()
	defer unsub()
	nodes := []*Membership{seed}
	for i := 1; i < 5; i++ {
		nodes = append(nodes, start(t, testConfig(t, fmt.Sprintf("n%d", i), 0, seed.Addr())))
	}
	waitFor(t, 10*time.Second, "5 alive members everywhere", func() error {
		for _, n := range nodes {
			ms := n.Members()
			alive := 0
			for _, m := range ms {
				if m.State == Alive {
					alive++
				}
			}
			if alive != 5 {
				return fmt.Errorf("%s sees %d alive of %v", n.Local().ID, alive, ms)
			}
		}
		return nil
	})
	if m, _ := find(nodes[3].Members(), "n1"); m.Site != "site-a" || m.Capacity != 100 || !m.Server || m.Addr != nodes[1].Addr() {
		t.Fatalf("meta not propagated: %+v (addr %s)", m, nodes[1].Addr())
	}

	// Meta updates propagate and are announced to subscribers.
	upd := nodes[2].Local()
	upd.Capacity = 12345
	upd.APIAddr = "127.0.0.1:9999"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := nodes[2].UpdateMeta(ctx, upd); err != nil {
		t.Fatal(err)
	}
	if nodes[2].Local() != upd {
		t.Fatalf("Local() = %+v", nodes[2].Local())
	}
	waitFor(t, 5*time.Second, "meta update", func() error {
		for _, n := range nodes {
			if m, _ := find(n.Members(), "n2"); m.Capacity != 12345 || m.APIAddr != "127.0.0.1:9999" {
				return fmt.Errorf("%s sees %+v", n.Local().ID, m)
			}
		}
		return nil
	})
	sawUpdate := false
	for !sawUpdate {
		select {
		case ev := <-events:
			sawUpdate = ev.Type == EventUpdate && ev.Member.ID == "n2" && ev.Member.Capacity == 12345
		case <-time.After(2 * time.Second):
			t.Fatal("no update event for n2")
		}
	}
	bad := upd
	bad.ID = "other"
	if err := nodes[2].UpdateMeta(ctx, bad); !errors.Is(err, ErrBadMeta) {
		t.Fatalf("changing id: %v", err)
	}

	// Crash n4 (no Leave): the others declare it dead.
	port4 := nodes[4].ml.LocalNode().Port
	if err := nodes[4].Close(); err != nil {
		t.Fatal(err)
	}
	rest := nodes[:4]
	waitFor(t, 8*time.Second, "n4 dead", expectState(rest, "n4", Dead))
	sawLeave := false
	for !sawLeave {
		select {
		case ev := <-events:
			sawLeave = ev.Type == EventLeave && ev.Member.ID == "n4" && ev.Member.State == Dead
		case <-time.After(2 * time.Second):
			t.Fatal("no leave event for n4")
		}
	}

	// Restart n4 with the same ID and port and a new version: it rejoins.
	cfg := testConfig(t, "n4", int(port4), seed.Addr())
	cfg.Meta.Version = 2
	n4 := start(t, cfg)
	nodes[4] = n4
	waitFor(t, 8*time.Second, "n4 rejoined", func() error {
		if err := expectState(nodes, "n4", Alive)(); err != nil {
			return err
		}
		for _, n := range nodes {
			if m, _ := find(n.Members(), "n4"); m.Version != 2 {
				return fmt.Errorf("%s sees n4 version %d", n.Local().ID, m.Version)
			}
		}
		return nil
	})

	// Graceful leave of n3: reported as Left, not Dead.
	if err := nodes[3].Leave(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	_ = nodes[3].Close()
	others := []*Membership{nodes[0], nodes[1], nodes[2], nodes[4]}
	waitFor(t, 5*time.Second, "n3 left", expectState(others, "n3", Left))
	if _, err := nodes[3].Join([]string{seed.Addr()}); !errors.Is(err, ErrClosed) {
		t.Fatalf("join after close: %v", err)
	}
}

func TestWrongSecretCannotJoin(t *testing.T) {
	a := start(t, testConfig(t, "good-a", 0))
	b := start(t, testConfig(t, "good-b", 0, a.Addr()))
	cfg := testConfig(t, "intruder", 0)
	cfg.Secret = []byte("not-the-cluster-secret")
	bad := start(t, cfg)
	n, err := bad.Join([]string{a.Addr()})
	if err == nil || n != 0 || !errors.Is(err, ErrJoin) {
		t.Fatalf("join with wrong secret: n=%d err=%v", n, err)
	}
	// Start with Join also fails.
	cfg2 := testConfig(t, "intruder2", 0, b.Addr())
	cfg2.Secret = []byte("also-wrong")
	cfg2.JoinAttempts = 2
	if m, err := Start(context.Background(), cfg2); !errors.Is(err, ErrJoin) {
		if m != nil {
			_ = m.Close()
		}
		t.Fatalf("Start with wrong secret: %v", err)
	}
	// Give gossip time to spread anything that leaked, then check the views.
	time.Sleep(1500 * time.Millisecond)
	for _, n := range []*Membership{a, b} {
		for _, m := range n.Members() {
			if m.ID == "intruder" || m.ID == "intruder2" {
				t.Fatalf("%s admitted %s", n.Local().ID, m.ID)
			}
		}
	}
	if got := len(bad.Members()); got != 1 {
		t.Fatalf("intruder learned %d members", got)
	}
}

func TestStartRetriesJoinUntilPeerIsUp(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	peerAddr := fmt.Sprintf("127.0.0.1:%d", port)

	cfg := testConfig(t, "late-joiner", 0, peerAddr)
	cfg.JoinAttempts = 50
	cfg.JoinBackoff = 100 * time.Millisecond
	cfg.JoinMaxBackoff = 200 * time.Millisecond
	type res struct {
		m   *Membership
		err error
	}
	done := make(chan res, 1)
	go func() {
		m, err := Start(context.Background(), cfg)
		done <- res{m, err}
	}()
	time.Sleep(400 * time.Millisecond)
	select {
	case r := <-done:
		t.Fatalf("Start returned before the peer existed: %v", r.err)
	default:
	}
	seed := start(t, testConfig(t, "seed", port))
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	t.Cleanup(func() { _ = r.m.Close() })
	waitFor(t, 5*time.Second, "late joiner visible", expectState([]*Membership{seed}, "late-joiner", Alive))

	// With a cancelled context Start gives up promptly.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cfg2 := testConfig(t, "never", 0, "127.0.0.1:1")
	cfg2.JoinAttempts = 100
	if _, err := Start(ctx, cfg2); !errors.Is(err, ErrJoin) || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled start: %v", err)
	}
}
