package certs

import (
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMutualTLS: a node certificate of the cluster CA gets in, one of
// another CA is refused, and so is a server whose certificate does not
// name the address dialed.
func TestMutualTLS(t *testing.T) {
	caDir, other := t.TempDir(), t.TempDir()
	ca, rogue := mustCA(t, caDir), mustCA(t, other)
	srv := mustReloader(t, nodeFiles(t, ca, caDir, t.TempDir(), "server"))
	cli := mustReloader(t, nodeFiles(t, ca, caDir, t.TempDir(), "client"))
	scfg, err := srv.ServerConfig(true)
	if err != nil {
		t.Fatal(err)
	}
	addr := tlsServer(t, scfg)
	ccfg, err := cli.ClientConfig(addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, hello, err := dial(t, addr, ccfg); err != nil || hello != "hello client" {
		t.Fatalf("cluster client: %q %v", hello, err)
	}
	// A client with a certificate of another CA (that trusts ours).
	rc := nodeFiles(t, rogue, other, t.TempDir(), "rogue")
	rc.CAFile = filepath.Join(caDir, CACertFile)
	rc.Interval = -1
	if _, err := NewReloader(t.Context(), rc); !errors.Is(err, ErrInvalid) {
		t.Fatalf("reloader with a certificate of another CA: %v, want ErrInvalid", err)
	}
	pair, err := tls.LoadX509KeyPair(rc.CertFile, rc.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	bad := ccfg.Clone()
	bad.Certificates = []tls.Certificate{pair}
	if _, _, err := dial(t, addr, bad); err == nil {
		t.Fatal("client certificate of another CA accepted")
	}
	// No client certificate at all.
	none := ccfg.Clone()
	none.Certificates = nil
	if _, _, err := dial(t, addr, none); err == nil {
		t.Fatal("client without a certificate accepted")
	}
	// A server certificate that does not name the dialed host.
	wrong, _ := cli.ClientConfig("10.1.2.3:1")
	if _, _, err := dial(t, addr, wrong); err == nil || !strings.Contains(err.Error(), "10.1.2.3") {
		t.Fatalf("server certificate accepted for another address: %v", err)
	}
}

// TestReloadOnFileChange: new files are picked up by polling without a
// restart; a torn certificate, a key that does not match, a certificate of
// another CA and an expired one each keep the current certificate serving.
func TestReloadOnFileChange(t *testing.T) {
	caDir := t.TempDir()
	ca := mustCA(t, caDir)
	var logs logBuf
	cfg := nodeFiles(t, ca, caDir, t.TempDir(), "node1")
	cfg.Interval, cfg.Logger = 10*time.Millisecond, logs.logger()
	r := mustReloader(t, cfg)
	scfg, _ := r.ServerConfig(true)
	addr := tlsServer(t, scfg)
	cli := mustReloader(t, nodeFiles(t, ca, caDir, t.TempDir(), "client"))
	ccfg, _ := cli.ClientConfig(addr)
	serving := func() string {
		t.Helper()
		s, _, err := dial(t, addr, ccfg)
		if err != nil {
			t.Fatalf("handshake: %v", err)
		}
		return s
	}
	first := serving()
	if first != r.Leaf().SerialNumber.Text(16) {
		t.Fatal("served serial differs from Leaf")
	}

	// A good new certificate: served after the next poll.
	c2, k2 := issue(t, ca, "node1", 0, nil)
	if err := WriteNode(cfg.CertFile, cfg.KeyFile, c2, k2); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the new certificate to be served", 5*time.Second, func() bool { return serving() != first })
	second := serving()
	if r.Reloads() != 1 {
		t.Fatalf("reloads %d, want 1", r.Reloads())
	}

	refused := func(what string, write func()) {
		t.Helper()
		before := strings.Count(logs.String(), "refused")
		write()
		waitFor(t, what+" to be refused", 5*time.Second, func() bool { return strings.Count(logs.String(), "refused") > before })
		if got := serving(); got != second {
			t.Fatalf("%s: serving %s, want the old %s", what, got, second)
		}
	}
	refused("a torn certificate", func() { os.WriteFile(cfg.CertFile, c2[:len(c2)/2], 0o644) })
	c3, k3 := issue(t, ca, "node1", 0, nil)
	refused("a new certificate with the old key", func() { os.WriteFile(cfg.CertFile, c3, 0o644) })
	// The key arriving completes the pair: accepted.
	if err := os.WriteFile(cfg.KeyFile, k3, 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the completed pair to be served", 5*time.Second, func() bool { return serving() != second })
	third := serving()
	second = third

	otherDir := t.TempDir()
	rc, rk := issue(t, mustCA(t, otherDir), "node1", 0, nil)
	refused("a certificate of another CA", func() {
		WriteNode(cfg.CertFile, cfg.KeyFile, rc, rk)
	})
	past := func() time.Time { return time.Now().Add(-48 * time.Hour) }
	ec, ek := issue(t, ca, "node1", time.Hour, past)
	refused("an expired certificate", func() { WriteNode(cfg.CertFile, cfg.KeyFile, ec, ek) })
	refused("a garbage key", func() { os.WriteFile(cfg.KeyFile, []byte("-----BEGIN PRIVATE KEY-----\nnope\n"), 0o600) })
	if !strings.Contains(logs.String(), "keeping the current certificate") {
		t.Errorf("log does not say the old certificate stays: %s", logs.String())
	}
}

// TestServingOnlyCertificate: without a CA file any valid pair serves
// (public API, S3 gateway), and mutual TLS is refused as a config error.
func TestServingOnlyCertificate(t *testing.T) {
	cfg := nodeFiles(t, mustCA(t, t.TempDir()), t.TempDir(), t.TempDir(), "api")
	cfg.CAFile, cfg.Interval = "", -1
	r := mustReloader(t, cfg)
	if _, err := r.ServerConfig(true); !errors.Is(err, ErrConfig) {
		t.Fatalf("mutual without CA: %v", err)
	}
	if _, err := r.ClientConfig("x:1"); !errors.Is(err, ErrConfig) {
		t.Fatalf("client without CA: %v", err)
	}
	if _, err := r.ServerConfig(false); err != nil {
		t.Fatal(err)
	}
	if _, err := NewReloader(t.Context(), ReloaderConfig{CertFile: cfg.CertFile}); !errors.Is(err, ErrConfig) {
		t.Fatalf("no key file: %v", err)
	}
}

// TestPlainHTTPToTLSPort: a plain-HTTP client gets a readable 400.
func TestPlainHTTPToTLSPort(t *testing.T) {
	caDir := t.TempDir()
	r := mustReloader(t, nodeFiles(t, mustCA(t, caDir), caDir, t.TempDir(), "api"))
	scfg, _ := r.ServerConfig(false)
	addr := tlsServer(t, scfg)
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 400 || !strings.Contains(string(b), "HTTP request to an HTTPS server") {
		t.Fatalf("plain HTTP: %d %q", resp.StatusCode, b)
	}
	// The port still serves TLS afterwards.
	pool := r.Pool()
	if _, _, err := dial(t, addr, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}); err != nil {
		t.Fatalf("TLS after a plain request: %v", err)
	}
}
