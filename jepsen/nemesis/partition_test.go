package nemesis

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/datamon-io/datamon/jepsen/netns"
)

func TestTopologies(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name string
		top  Topology
		drop []int // sorted per-node drop counts
	}{
		{"halves", Halves(), []int{2, 2, 2, 3, 3}},
		{"isolate", IsolateOne(func() int { return 3 }), []int{1, 1, 1, 1, 4}},
		{"bridge", Bridge(), []int{0, 2, 2, 2, 2}},
		{"ring", MajorityRing(), []int{2, 2, 2, 2, 2}},
	} {
		g, _ := tc.top(5, rng)
		var counts []int
		for i := range 5 {
			counts = append(counts, len(g[i]))
			for _, j := range g[i] {
				found := false
				for _, k := range g[j] {
					found = found || k == i
				}
				if !found {
					t.Fatalf("%s: grudge not symmetric %d→%d", tc.name, i, j)
				}
			}
		}
		sortInts(counts)
		if fmt.Sprint(counts) != fmt.Sprint(tc.drop) {
			t.Fatalf("%s: drop counts %v want %v", tc.name, counts, tc.drop)
		}
	}
}

func sortInts(a []int) {
	for i := range a {
		for j := i + 1; j < len(a); j++ {
			if a[j] < a[i] {
				a[i], a[j] = a[j], a[i]
			}
		}
	}
}

func requireNft(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	if err := netns.NftSupported(); err != nil {
		t.Skip(err)
	}
}

func TestPartitionNetns(t *testing.T) {
	requireNft(t)
	if err := netns.Supported(); err != nil {
		t.Skip(err)
	}
	ctx := context.Background()
	nw, err := netns.Create(ctx, netns.Config{Nodes: 3, Mode: netns.ModeNetns, StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nw.Close(context.Background()) })
	addrs := make([]string, 3)
	for i, n := range nw.Nodes {
		ln, err := netns.ListenIn(n.NS, "tcp", n.IP.String()+":7000")
		if err != nil {
			t.Fatal(err)
		}
		serveEcho(t, ln)
		addrs[i] = ln.Addr().String()
	}
	link := func(from, to int) error {
		return ping(func(ctx context.Context) (net.Conn, error) {
			return netns.DialIn(ctx, nw.Nodes[from].NS, "tcp", addrs[to])
		})
	}
	if err := link(0, 1); err != nil {
		t.Fatalf("before partition: %v", err)
	}
	p, err := NewPartition(PartitionConfig{Network: nw, Topology: IsolateOne(func() int { return 0 })})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Heal(context.Background()) })
	if err := p.Invoke(ctx); err != nil {
		t.Fatal(err)
	}
	if link(0, 1) == nil || link(2, 0) == nil {
		t.Fatal("partition did not cut n1")
	}
	if err := link(1, 2); err != nil {
		t.Fatalf("partition cut the majority: %v", err)
	}
	if err := p.Heal(ctx); err != nil {
		t.Fatal(err)
	}
	if err := link(0, 1); err != nil {
		t.Fatalf("heal did not restore: %v", err)
	}
	if l := p.Log(); len(l) != 2 || l[0].Action != "invoke" || !strings.Contains(l[0].Detail, "isolate 0") {
		t.Fatalf("log %+v", l)
	}
}

func TestPartitionLoopback(t *testing.T) {
	requireNft(t)
	ctx := context.Background()
	nw, err := netns.Create(ctx, netns.Config{Nodes: 3, Mode: netns.ModeLoopback, StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nw.Close(context.Background()) })
	addrs := make([]string, 3)
	for i, n := range nw.Nodes {
		ln, err := net.Listen("tcp", n.IP.String()+":0")
		if err != nil {
			t.Fatal(err)
		}
		serveEcho(t, ln)
		addrs[i] = ln.Addr().String()
	}
	link := func(from, to int) error {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: nw.Nodes[from].IP.AsSlice()}}
		return ping(func(ctx context.Context) (net.Conn, error) { return d.DialContext(ctx, "tcp", addrs[to]) })
	}
	p, err := NewPartition(PartitionConfig{Network: nw, Topology: IsolateOne(func() int { return 1 })})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Heal(context.Background()) })
	if err := p.Invoke(ctx); err != nil {
		t.Fatal(err)
	}
	if link(0, 1) == nil || link(1, 2) == nil {
		t.Fatal("loopback partition did not cut n2")
	}
	if err := link(0, 2); err != nil {
		t.Fatalf("loopback partition cut n1-n3: %v", err)
	}
	// Unrelated loopback traffic is untouched.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	serveEcho(t, ln)
	if err := ping(func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", ln.Addr().String())
	}); err != nil {
		t.Fatalf("127.0.0.1 affected: %v", err)
	}
	if err := p.Heal(ctx); err != nil {
		t.Fatal(err)
	}
	if err := link(0, 1); err != nil {
		t.Fatalf("heal did not restore: %v", err)
	}
	out, _ := netns.Run(ctx, "", "nft", "list", "tables")
	if strings.Contains(out, "jepsen_part_"+strings.ReplaceAll(nw.Subnet.Addr().String(), ".", "_")) {
		t.Fatal("root nft table leaked")
	}
}
