package certs

import (
	"bytes"
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// logBuf is a concurrency-safe log sink.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }
func (l *logBuf) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }
func (l *logBuf) logger() *slog.Logger        { return slog.New(slog.NewTextHandler(l, nil)) }

func mustCA(t testing.TB, dir string) *CA {
	t.Helper()
	ca, err := CreateCA(CAConfig{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// issue signs a node certificate for 127.0.0.1 and returns its PEM.
func issue(t testing.TB, ca *CA, name string, validity time.Duration, now func() time.Time) (certPEM, keyPEM []byte) {
	t.Helper()
	sans, err := ParseSANs([]string{"127.0.0.1", "localhost.test"})
	if err != nil {
		t.Fatal(err)
	}
	c, k, err := ca.IssueNode(NodeConfig{Name: name, SANs: sans, Validity: validity, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return c, k
}

// nodeFiles issues a certificate and writes DIR/name.crt, .key, returning the reloader config.
func nodeFiles(t testing.TB, ca *CA, caDir, dir, name string) ReloaderConfig {
	t.Helper()
	c, k := issue(t, ca, name, 0, nil)
	cfg := ReloaderConfig{CertFile: filepath.Join(dir, name+".crt"), KeyFile: filepath.Join(dir, name+".key"),
		CAFile: filepath.Join(caDir, CACertFile)}
	if err := WriteNode(cfg.CertFile, cfg.KeyFile, c, k); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func mustReloader(t testing.TB, cfg ReloaderConfig) *Reloader {
	t.Helper()
	r, err := NewReloader(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// tlsServer serves TLS with cfg on loopback; each connection gets a line
// "hello <client CN>\n" and is closed.
func tlsServer(t testing.TB, cfg *tls.Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tl := NewListener(ln, cfg, nil)
	t.Cleanup(func() { tl.Close() })
	go func() {
		for {
			c, err := tl.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				sc := c.(*serverConn)
				if err := sc.Handshake(); err != nil {
					return
				}
				cn := ""
				if pc := sc.ConnectionState().PeerCertificates; len(pc) > 0 {
					cn = pc[0].Subject.CommonName
				}
				c.Write([]byte("hello " + cn + "\n"))
			}()
		}
	}()
	return ln.Addr().String()
}

// dial connects with cfg and returns the server's certificate serial and its greeting.
func dial(t testing.TB, addr string, cfg *tls.Config) (serial, greeting string, err error) {
	t.Helper()
	raw, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	tc, err := Client(ctx, raw, cfg)
	if err != nil {
		return "", "", err
	}
	defer tc.Close()
	tc.SetDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 100)
	n, err := tc.Read(buf)
	if err != nil {
		return "", "", err // TLS 1.3: a refused client certificate shows up here
	}
	return tc.ConnectionState().PeerCertificates[0].SerialNumber.Text(16), strings.TrimSpace(string(buf[:n])), nil
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
