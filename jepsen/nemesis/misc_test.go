package nemesis

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/datamon-io/datamon/jepsen/proxy"
)

func TestProxyNemesis(t *testing.T) {
	ctx := context.Background()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	serveEcho(t, ln)
	px, err := proxy.New(ctx, proxy.Config{Target: ln.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { px.Close() })
	dial := func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", px.Addr())
	}
	n := NewProxy(ProxyConfig{Name: "blackhole", Proxies: map[string][]*proxy.Proxy{"n1": {px}},
		Faults: proxy.Faults{Blackhole: true}, ResetOnInvoke: true})
	if err := n.Invoke(ctx); err != nil {
		t.Fatal(err)
	}
	if ping(dial) == nil {
		t.Fatal("blackhole did not bite")
	}
	if err := n.Heal(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ping(dial); err != nil {
		t.Fatalf("heal: %v", err)
	}
	slow := NewProxy(ProxyConfig{Proxies: map[string][]*proxy.Proxy{"n1": {px}}, Faults: proxy.Faults{Delay: 200 * time.Millisecond}})
	_ = slow.Invoke(ctx)
	start := time.Now()
	err = ping(dial)
	if el := time.Since(start); err == nil && el < 400*time.Millisecond {
		t.Fatalf("latency did not bite: %v", el)
	}
	_ = slow.Heal(ctx)
}

func TestDiskFullENOSPC(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for mount")
	}
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	unmount, err := MountTmpfs(ctx, dir, 1<<20, nil)
	if err != nil {
		t.Skip(err)
	}
	t.Cleanup(func() { _ = unmount() })
	n := NewDiskFull(DiskConfig{DataDirs: map[string]string{"n1": dir}})
	if err := n.Invoke(ctx); err != nil {
		t.Fatal(err)
	}
	err = os.WriteFile(filepath.Join(dir, "x"), bytes.Repeat([]byte{1}, 8192), 0o644)
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("want ENOSPC, got %v", err)
	}
	if err := n.Heal(ctx); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "x"), bytes.Repeat([]byte{1}, 8192), 0o644); err != nil {
		t.Fatalf("after heal: %v", err)
	}
	if err := unmount(); err != nil {
		t.Fatal(err)
	}
}

func TestCorruptHooks(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	orig := []byte("shard-bytes-0123456789")
	p := filepath.Join(dir, "a.shard")
	_ = os.WriteFile(p, orig, 0o644)
	dirs := map[string]string{"n1": dir}
	n := NewCorrupt(CorruptConfig{Corrupt: FlipRandomFile(dirs, "*.shard"), Pick: PickFixed("n1")})
	if err := n.Invoke(ctx); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); bytes.Equal(b, orig) || len(b) != len(orig) {
		t.Fatal("flip did not corrupt")
	}
	d := NewCorrupt(CorruptConfig{Corrupt: DeleteRandomFile(dirs, "*.shard"), Pick: PickFixed("n1")})
	if err := d.Invoke(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err == nil {
		t.Fatal("delete did not delete")
	}
}

func TestMembershipCallbacks(t *testing.T) {
	ctx := context.Background()
	var calls []string
	cb := func(name string) func(context.Context, string) error {
		return func(_ context.Context, id string) error { calls = append(calls, name+" "+id); return nil }
	}
	n, err := NewMembership(MembershipConfig{Remove: cb("remove"), Add: cb("add"), Pick: PickFixed("n3")})
	if err != nil {
		t.Fatal(err)
	}
	_ = n.Invoke(ctx)
	_ = n.Heal(ctx)
	_ = n.Heal(ctx) // idempotent
	if len(calls) != 2 || calls[0] != "remove n3" || calls[1] != "add n3" {
		t.Fatalf("calls %v", calls)
	}
	if _, err := NewMembership(MembershipConfig{Pick: PickFixed("n1")}); err == nil {
		t.Fatal("unwired membership accepted")
	}
}
