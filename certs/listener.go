package certs

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync"
)

// plainHTTPReply is what a plain-HTTP client gets from a TLS port (the
// answer net/http gives in the same case).
const plainHTTPReply = "HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n" +
	"Client sent an HTTP request to an HTTPS server.\n"

// NewListener serves TLS with cfg on inner's connections. The handshake
// runs on the connection's first Read or Write (under the deadline the
// server set), never in Accept. A client that speaks plain HTTP gets a
// readable 400 answer and the connection is closed.
func NewListener(inner net.Listener, cfg *tls.Config) net.Listener {
	return &listener{Listener: inner, cfg: cfg}
}

type listener struct {
	net.Listener
	cfg *tls.Config
}

func (l *listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &serverConn{Conn: tls.Server(c, l.cfg), raw: c}, nil
}

// serverConn is a *tls.Conn (Handshake, ConnectionState: servers see it as
// TLS) whose handshake answers plain HTTP.
type serverConn struct {
	*tls.Conn
	raw  net.Conn
	once sync.Once
	err  error
}

func (c *serverConn) handshake() error {
	c.once.Do(func() {
		err := c.Conn.HandshakeContext(context.Background())
		var rhe tls.RecordHeaderError
		if errors.As(err, &rhe) && rhe.Conn != nil && looksLikeHTTP(rhe.RecordHeader[:]) {
			_, _ = rhe.Conn.Write([]byte(plainHTTPReply))
			_ = rhe.Conn.Close()
		}
		c.err = err
	})
	return c.err
}

func (c *serverConn) Read(b []byte) (int, error) {
	if err := c.handshake(); err != nil {
		return 0, err
	}
	return c.Conn.Read(b)
}

func (c *serverConn) Write(b []byte) (int, error) {
	if err := c.handshake(); err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}

// Handshake runs the handshake once (servers may call it first).
func (c *serverConn) Handshake() error { return c.handshake() }

func looksLikeHTTP(h []byte) bool {
	switch string(h) {
	case "GET /", "HEAD ", "POST ", "PUT /", "OPTIO", "DELET", "PATCH", "CONNE", "TRACE":
		return true
	}
	return false
}
