package localcluster

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/datamon-io/datamon/certs"
)

// TLS (Config.TLS, on by default): the cluster CA lives in DIR/tls (ca.crt,
// ca.key, created once and kept), every node gets DIR/tls/<id>.crt and .key
// for 127.0.0.1 and localhost, issued at each start, and runs with them:
// mutual TLS between nodes, https on the API and S3 ports. client.yaml names
// the CA (ca_file) and env.sh exports it as AWS_CA_BUNDLE.

// TLSDir is DIR/tls.
func (c *Cluster) TLSDir() string { return filepath.Join(c.cfg.Dir, "tls") }

// CAFile is the cluster CA certificate (DIR/tls/ca.crt); "" without TLS.
func (c *Cluster) CAFile() string {
	if !c.cfg.TLS {
		return ""
	}
	return filepath.Join(c.TLSDir(), certs.CACertFile)
}

// TLSConfig is a client TLS config trusting the cluster CA (nil without TLS).
func (c *Cluster) TLSConfig() *tls.Config {
	if !c.cfg.TLS {
		return nil
	}
	pool := x509.NewCertPool()
	pool.AddCert(c.ca.Cert)
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

// HTTPClient is an HTTP client for the nodes' API and S3 endpoints.
func (c *Cluster) HTTPClient(timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = c.TLSConfig()
	return &http.Client{Transport: tr, Timeout: timeout}
}

// setupTLS loads or creates the CA.
func (c *Cluster) setupTLS() error {
	if !c.cfg.TLS {
		return nil
	}
	ca, err := certs.LoadCA(c.TLSDir())
	if errors.Is(err, fs.ErrNotExist) {
		if _, statErr := os.Stat(filepath.Join(c.TLSDir(), certs.CACertFile)); errors.Is(statErr, fs.ErrNotExist) {
			ca, err = certs.CreateCA(certs.CAConfig{Dir: c.TLSDir(), CommonName: "datamon local cluster CA"})
		}
	}
	if err != nil {
		return fmt.Errorf("localcluster: cluster CA: %w", err)
	}
	c.ca = ca
	return nil
}

// issueNodeCert writes a fresh certificate for n and returns the node flags.
func (c *Cluster) issueNodeCert(n *Node) ([]string, error) {
	if !c.cfg.TLS {
		return nil, nil
	}
	sans, err := certs.ParseSANs([]string{"127.0.0.1", "localhost"})
	if err != nil {
		return nil, err
	}
	certPEM, keyPEM, err := c.ca.IssueNode(certs.NodeConfig{Name: n.ID, SANs: sans})
	if err != nil {
		return nil, fmt.Errorf("localcluster: certificate of %s: %w", n.ID, err)
	}
	certPath, keyPath := n.TLSFiles()
	if err := certs.WriteNode(certPath, keyPath, certPEM, keyPEM); err != nil {
		return nil, fmt.Errorf("localcluster: certificate of %s: %w", n.ID, err)
	}
	return []string{"--tls-cert-file", certPath, "--tls-key-file", keyPath, "--tls-ca-file", c.CAFile()}, nil
}

// TLSFiles are node n's certificate and key files ("" without TLS).
func (n *Node) TLSFiles() (cert, key string) {
	if !n.tls {
		return "", ""
	}
	dir := filepath.Join(filepath.Dir(n.Dir), "tls")
	return filepath.Join(dir, n.ID+".crt"), filepath.Join(dir, n.ID+".key")
}
