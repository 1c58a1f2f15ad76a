package certs

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
)

// ServerConfig is a tls.Config that presents the current certificate. With
// mutual, the client must present a certificate that chains to the current
// CA pool (TLS 1.3 only: node-to-node traffic has no old clients); without,
// TLS 1.2 and later, no client certificate (the public API and S3 gateway).
func (r *Reloader) ServerConfig(mutual bool) (*tls.Config, error) {
	if mutual && r.Pool() == nil {
		return nil, fmt.Errorf("%w: mutual TLS needs a CA file", ErrConfig)
	}
	minVersion := uint16(tls.VersionTLS12)
	if mutual {
		minVersion = tls.VersionTLS13
	}
	return &tls.Config{
		MinVersion: minVersion,
		// Per handshake: the current certificate and CA pool.
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			m := r.cur.Load()
			c := &tls.Config{MinVersion: minVersion, Certificates: []tls.Certificate{*m.cert}}
			if mutual {
				c.ClientAuth, c.ClientCAs = tls.RequireAndVerifyClientCert, m.pool
			}
			return c, nil
		},
	}, nil
}

// ClientConfig is the tls.Config for dialing a peer at addr (host:port or
// host): the current certificate as client certificate, the current CA pool
// as roots, and the host as the name the peer's certificate must carry.
func (r *Reloader) ClientConfig(addr string) (*tls.Config, error) {
	m := r.cur.Load()
	if m.pool == nil {
		return nil, fmt.Errorf("%w: dialing peers needs a CA file", ErrConfig)
	}
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		RootCAs:      m.pool,
		ServerName:   host,
		Certificates: []tls.Certificate{*m.cert},
	}, nil
}

// Client runs the client side of a TLS handshake on conn, dialed to addr,
// bounded by ctx. On error conn is closed.
func Client(ctx context.Context, conn net.Conn, cfg *tls.Config) (*tls.Conn, error) {
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("certs: TLS handshake with %s: %w", conn.RemoteAddr(), err)
	}
	return tc, nil
}
