package node

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"

	"github.com/datamon-io/datamon/certs"
	"github.com/datamon-io/datamon/peer"
)

// TLS. With TLSCertFile, TLSKeyFile and TLSCAFile set (a node certificate
// of the cluster CA, `datamon cert node`):
//
//   - internal RPC and Raft run over mutual TLS 1.3: each end presents its
//     node certificate and verifies the other's against the CA (and the
//     dialed address against the certificate's SANs); the HMAC request
//     signature and the Raft handshake stay inside, as a second factor;
//   - the public API and the S3 gateway serve TLS (1.2+) with the node
//     certificate, or with PublicCertFile/PublicKeyFile when set (those may
//     come from any CA; they also turn on TLS for the API and S3 alone);
//   - a server that gossip reports is admitted to the layout and the Raft
//     group only after it answered over mutual TLS (admission.go);
//   - the files are re-read on SIGHUP and when their content changes
//     (every TLSReloadInterval); a set that does not load is refused and
//     the old one stays in use.
//
// Gossip (memberlist) is not TLS: it is encrypted and authenticated with a
// key derived from the cluster secret.

// tlsEnabled reports whether internal mutual TLS is configured.
func (c *Config) tlsEnabled() bool { return c.TLSCertFile != "" }

// validateTLS checks that the TLS file settings come in complete sets.
func (c *Config) validateTLS() error {
	n := 0
	for _, f := range []string{c.TLSCertFile, c.TLSKeyFile, c.TLSCAFile} {
		if f != "" {
			n++
		}
	}
	if n != 0 && n != 3 {
		return fmt.Errorf("%w: tls-cert-file, tls-key-file and tls-ca-file go together", ErrConfig)
	}
	if (c.PublicCertFile == "") != (c.PublicKeyFile == "") {
		return fmt.Errorf("%w: public-cert-file and public-key-file go together", ErrConfig)
	}
	return nil
}

// startTLS loads the certificates (an error stops the start) and starts
// their reloaders.
func (n *Node) startTLS(ctx context.Context) error {
	if n.cfg.tlsEnabled() {
		r, err := certs.NewReloader(ctx, certs.ReloaderConfig{
			CertFile: n.cfg.TLSCertFile, KeyFile: n.cfg.TLSKeyFile, CAFile: n.cfg.TLSCAFile,
			Interval: n.cfg.TLSReloadInterval, SIGHUP: true, Logger: n.log.With("component", "tls"),
		})
		if err != nil {
			return fmt.Errorf("node: node certificate: %w", err)
		}
		n.onClose(r.Close)
		n.tlsNode, n.tlsPublic = r, r
	}
	if n.cfg.PublicCertFile != "" {
		r, err := certs.NewReloader(ctx, certs.ReloaderConfig{
			CertFile: n.cfg.PublicCertFile, KeyFile: n.cfg.PublicKeyFile,
			Interval: n.cfg.TLSReloadInterval, SIGHUP: true, Logger: n.log.With("component", "tls-public"),
		})
		if err != nil {
			return fmt.Errorf("node: public certificate: %w", err)
		}
		n.onClose(r.Close)
		n.tlsPublic = r
	}
	return nil
}

// listenInternal binds an internal (RPC) port, with mutual TLS when configured.
func (n *Node) listenInternal(addr string) (net.Listener, error) {
	ln, err := n.listen(addr)
	if err != nil || n.tlsNode == nil {
		return ln, err
	}
	cfg, err := n.tlsNode.ServerConfig(true)
	if err != nil {
		return nil, err
	}
	return certs.NewListener(ln, cfg, n.log.With("component", "tls", "port", addr)), nil
}

// listenPublic binds the API or S3 port, with TLS when a certificate is configured.
func (n *Node) listenPublic(addr string) (net.Listener, error) {
	ln, err := n.listen(addr)
	if err != nil || n.tlsPublic == nil {
		return ln, err
	}
	cfg, err := n.tlsPublic.ServerConfig(false)
	if err != nil {
		return nil, err
	}
	return certs.NewListener(ln, cfg, n.log.With("component", "tls", "port", addr)), nil
}

// clientTLS is the RPC client's per-connection TLS config (nil: plain).
func (n *Node) clientTLS() func(addr string) (*tls.Config, error) {
	if n.tlsNode == nil {
		return nil
	}
	return n.tlsNode.ClientConfig
}

// streamTLS is the Raft stream layer's TLS (nil: HMAC handshake only).
func (n *Node) streamTLS() (*peer.StreamTLS, error) {
	if n.tlsNode == nil {
		return nil, nil
	}
	scfg, err := n.tlsNode.ServerConfig(true)
	if err != nil {
		return nil, err
	}
	return &peer.StreamTLS{Server: scfg, Client: n.tlsNode.ClientConfig}, nil
}
