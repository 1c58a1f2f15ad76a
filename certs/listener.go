package certs

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
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
// readable 400 answer and the connection is closed. Failed handshakes are
// logged (at warn) with the peer address and the reason; log may be nil.
func NewListener(inner net.Listener, cfg *tls.Config, log *slog.Logger) net.Listener {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &listener{Listener: inner, cfg: cfg, log: log}
}

type listener struct {
	net.Listener
	cfg *tls.Config
	log *slog.Logger
}

func (l *listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &serverConn{Conn: tls.Server(c, l.cfg), raw: c, log: l.log}, nil
}

// serverConn is a *tls.Conn (Handshake, ConnectionState: servers see it as
// TLS) whose handshake answers plain HTTP.
type serverConn struct {
	*tls.Conn
	raw  net.Conn
	log  *slog.Logger
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
			c.log.Warn("plain HTTP on a TLS port; answered 400", "remote", c.raw.RemoteAddr().String())
		} else if err != nil && !errors.Is(err, io.EOF) {
			c.log.Warn("TLS handshake refused", "remote", c.raw.RemoteAddr().String(), "err", err)
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
