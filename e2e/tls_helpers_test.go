package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/datamon-io/datamon/certs"
	"github.com/datamon-io/datamon/localcluster"
)

// Clusters start with TLS, like `datamon cluster local` (each its own CA in
// DIR/tls). The test binary's own HTTP calls (raw S3 requests, /metrics,
// /healthz) go through httpClient, which trusts exactly the CAs of the
// clusters this binary started (trustCluster), never the system's roots
// and never "insecure".
var trusted struct {
	mu   sync.Mutex
	pool *x509.CertPool
}

// trustCluster adds c's CA to the pool httpClient verifies against.
func trustCluster(t *testing.T, c *localcluster.Cluster) {
	t.Helper()
	if c.CAFile() == "" {
		return
	}
	b, err := os.ReadFile(c.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	cas, err := certs.ParseCertificatesPEM(b)
	if err != nil {
		t.Fatal(err)
	}
	trusted.mu.Lock()
	defer trusted.mu.Unlock()
	next := x509.NewCertPool()
	if trusted.pool != nil {
		next = trusted.pool.Clone()
	}
	for _, ca := range cas {
		next.AddCert(ca)
	}
	trusted.pool = next
}

func trustedPool() *x509.CertPool {
	trusted.mu.Lock()
	defer trusted.mu.Unlock()
	if trusted.pool == nil {
		return x509.NewCertPool()
	}
	return trusted.pool
}

var httpClientOnce = sync.OnceValue(func() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	// Per connection: the pool as it is now (clusters start during the run).
	tr.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		d := &tls.Dialer{Config: &tls.Config{RootCAs: trustedPool(), ServerName: host, MinVersion: tls.VersionTLS12}}
		return d.DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: tr, Timeout: 3 * time.Minute}
})

// httpClient is the test binary's HTTP client (see trusted).
func httpClient() *http.Client { return httpClientOnce() }

// peerTLS is a node certificate of c (node i's files), for tests that act
// as a cluster node on the internal RPC.
func peerTLS(t *testing.T, c *localcluster.Cluster, i int) *certs.Reloader {
	t.Helper()
	cert, key := c.Nodes[i].TLSFiles()
	r, err := certs.NewReloader(context.Background(), certs.ReloaderConfig{CertFile: cert, KeyFile: key, CAFile: c.CAFile(), Interval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// halfCloser is a connection that can close its sending side.
type halfCloser interface {
	net.Conn
	CloseWrite() error
}

// dialRaw opens a raw connection to the S3 port: TLS (verified against the
// cluster CA) when the endpoint is https, TCP otherwise.
func (e *s3ep) dialRaw() (halfCloser, error) {
	if !e.tls() {
		c, err := net.Dial("tcp", e.addr)
		if err != nil {
			return nil, err
		}
		return c.(*net.TCPConn), nil
	}
	host, _, _ := net.SplitHostPort(e.addr)
	return tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", e.addr,
		&tls.Config{RootCAs: trustedPool(), ServerName: host})
}
