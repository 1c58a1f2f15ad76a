package peer

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/valyala/fasthttp"

	"github.com/datamon-io/datamon/certs"
)

// tlsNode is one node's certificate material of a test CA.
func tlsNode(t *testing.T, caDir string, ca *certs.CA, name string) *certs.Reloader {
	t.Helper()
	sans, _ := certs.ParseSANs([]string{"127.0.0.1"})
	c, k, err := ca.IssueNode(certs.NodeConfig{Name: name, SANs: sans})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := certs.ReloaderConfig{CertFile: filepath.Join(dir, "n.crt"), KeyFile: filepath.Join(dir, "n.key"),
		CAFile: filepath.Join(caDir, certs.CACertFile), Interval: -1}
	if err := certs.WriteNode(cfg.CertFile, cfg.KeyFile, c, k); err != nil {
		t.Fatal(err)
	}
	r, err := certs.NewReloader(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// testPKI returns reloaders for two nodes of one CA and one node whose
// certificate comes from another CA but which trusts the first.
func testPKI(t *testing.T) (a, b, rogue *certs.Reloader) {
	t.Helper()
	caDir, otherDir := t.TempDir(), t.TempDir()
	ca, err := certs.CreateCA(certs.CAConfig{Dir: caDir})
	if err != nil {
		t.Fatal(err)
	}
	other, err := certs.CreateCA(certs.CAConfig{Dir: otherDir})
	if err != nil {
		t.Fatal(err)
	}
	a, b = tlsNode(t, caDir, ca, "a"), tlsNode(t, caDir, ca, "b")
	// The rogue's files: its own CA's certificate, the cluster CA as trust.
	rogue = tlsNode(t, otherDir, other, "rogue")
	return a, b, rogue
}

func TestRPCOverMutualTLS(t *testing.T) {
	a, b, rogue := testPKI(t)
	scfg, err := a.ServerConfig(true)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(ServerConfig{Secret: testSecret})
	var calls atomic.Int64
	s.Handle("/internal/echo", func(ctx *fasthttp.RequestCtx) { calls.Add(1); ctx.SetBody(append([]byte("echo:"), ctx.PostBody()...)) })
	go s.Serve(certs.NewListener(ln, scfg, nil))
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	addr := ln.Addr().String()
	ctx := context.Background()

	good := newClient(t, ClientConfig{Secret: testSecret, TLS: b.ClientConfig, Timeout: 5 * time.Second})
	if out, err := good.Call(ctx, addr, "/internal/echo", []byte("hi")); err != nil || string(out) != "echo:hi" {
		t.Fatalf("mutual TLS call: %q %v", out, err)
	}
	// Another CA's certificate: refused before any handler runs.
	bad := newClient(t, ClientConfig{Secret: testSecret, TLS: rogue.ClientConfig, Timeout: 5 * time.Second})
	if _, err := bad.Call(ctx, addr, "/internal/echo", []byte("x")); err == nil {
		t.Fatal("call with another CA's certificate succeeded")
	}
	// Plain TCP to the TLS port, with the right secret: refused.
	plain := newClient(t, ClientConfig{Secret: testSecret, Timeout: 5 * time.Second})
	if _, err := plain.Call(ctx, addr, "/internal/echo", []byte("x")); err == nil {
		t.Fatal("plain call to a TLS port succeeded")
	}
	// Right certificate, wrong secret: the HMAC layer still refuses.
	wrong := newClient(t, ClientConfig{Secret: []byte("another-secret-123"), TLS: b.ClientConfig, Timeout: 5 * time.Second})
	if _, err := wrong.Call(ctx, addr, "/internal/echo", []byte("x")); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("wrong secret over TLS: %v, want ErrUnauthorized", err)
	}
	if calls.Load() != 1 {
		t.Fatalf("handler ran %d times, want 1", calls.Load())
	}
}

func tlsStream(t *testing.T, r *certs.Reloader) *StreamLayer {
	t.Helper()
	scfg, err := r.ServerConfig(true)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := NewStreamLayerTLS(ln, nil, testSecret, 2*time.Second, nil, &StreamTLS{Server: scfg, Client: r.ClientConfig})
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestStreamLayerMutualTLS(t *testing.T) {
	a, b, rogue := testPKI(t)
	server, client := tlsStream(t, a), tlsStream(t, b)
	accepted := acceptOne(server)
	addr := raft.ServerAddress(server.Addr().String())

	// Another CA's certificate: the dial fails and nothing is accepted.
	if c, err := tlsStream(t, rogue).Dial(addr, 2*time.Second); err == nil {
		c.Close()
		t.Fatal("raft dial with another CA's certificate succeeded")
	}
	// Plain (HMAC only) dialer with the right secret: refused.
	if c, err := listenStream(t, testSecret).Dial(addr, 2*time.Second); err == nil {
		c.Close()
		t.Fatal("plain raft dial to a TLS stream layer succeeded")
	}
	select {
	case c := <-accepted:
		t.Fatalf("server accepted %v", c.RemoteAddr())
	default:
	}
	c, err := client.Dial(addr, 2*time.Second)
	if err != nil {
		t.Fatalf("mutual TLS raft dial: %v", err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	var sc net.Conn
	select {
	case sc = <-accepted:
	case <-time.After(5 * time.Second):
		t.Fatal("good connection not accepted")
	}
	defer sc.Close()
	buf := make([]byte, 4)
	sc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := sc.Read(buf); err != nil || string(buf) != "ping" {
		t.Fatalf("read %q %v", buf, err)
	}
}
