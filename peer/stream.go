package peer

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// Stream-layer handshake (dialer C, listener S, k = key derived from the secret):
//
//	C → S: magic(8) ‖ nC(32)
//	S → C: nS(32) ‖ HMAC(k, "server" ‖ nC ‖ nS)
//	C → S: HMAC(k, "client" ‖ nS ‖ nC)
//
// Either side closes the connection on a bad proof; the listener hands a
// connection to raft only after verifying the dialer's proof.
const (
	streamMagic = "DMRAFT01"
	nonceSize   = 32
	// maxPendingHandshakes bounds concurrent unauthenticated connections.
	maxPendingHandshakes = 128
	// DefaultHandshakeTimeout bounds one handshake when none is given.
	DefaultHandshakeTimeout = 5 * time.Second
)

// StreamTLS makes a StreamLayer run mutual TLS under the HMAC handshake.
type StreamTLS struct {
	// Server is the listener side's config; it must require and verify
	// client certificates (certs.Reloader.ServerConfig(true)).
	Server *tls.Config
	// Client gives the dialer's config for a peer address (per connection).
	Client func(addr string) (*tls.Config, error)
}

// StreamLayer is an authenticated raft.StreamLayer over TCP.
type StreamLayer struct {
	ln        net.Listener
	advertise net.Addr
	key       []byte
	timeout   time.Duration
	log       *slog.Logger
	tls       *StreamTLS

	ready   chan net.Conn
	pending chan struct{} // semaphore of in-flight handshakes
	done    chan struct{}
	once    sync.Once
	wg      sync.WaitGroup
}

var _ raft.StreamLayer = (*StreamLayer)(nil)

// NewStreamLayer wraps ln. advertise is the address other nodes dial (nil →
// ln.Addr()); timeout bounds each handshake (0 → DefaultHandshakeTimeout).
// Handshakes run per connection in goroutines, so a slow or hostile client
// cannot block Accept. Close stops the accept loop.
func NewStreamLayer(ln net.Listener, advertise net.Addr, secret []byte, timeout time.Duration) *StreamLayer {
	return NewStreamLayerWithLogger(ln, advertise, secret, timeout, nil)
}

// NewStreamLayerWithLogger is NewStreamLayer with a logger for rejected connections.
func NewStreamLayerWithLogger(ln net.Listener, advertise net.Addr, secret []byte, timeout time.Duration, log *slog.Logger) *StreamLayer {
	return NewStreamLayerTLS(ln, advertise, secret, timeout, log, nil)
}

// NewStreamLayerTLS is NewStreamLayerWithLogger over mutual TLS when st is
// not nil: a connection first completes a TLS handshake in which both ends
// present certificates of the cluster CA, then the HMAC handshake (a second
// factor: the cluster secret) inside the TLS session.
func NewStreamLayerTLS(ln net.Listener, advertise net.Addr, secret []byte, timeout time.Duration, log *slog.Logger, st *StreamTLS) *StreamLayer {
	if advertise == nil {
		advertise = ln.Addr()
	}
	if timeout <= 0 {
		timeout = DefaultHandshakeTimeout
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &StreamLayer{
		ln: ln, advertise: advertise, key: deriveKey(secret, "datamon/peer/raft/v1"),
		timeout: timeout, log: log, tls: st,
		ready:   make(chan net.Conn),
		pending: make(chan struct{}, maxPendingHandshakes),
		done:    make(chan struct{}),
	}
	s.wg.Add(1)
	go s.acceptLoop()
	return s
}

func (s *StreamLayer) acceptLoop() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			select {
			case <-s.done:
				return
			default:
			}
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			s.log.Warn("raft stream accept failed", "err", err)
			select {
			case <-s.done:
				return
			case <-time.After(50 * time.Millisecond):
			}
			continue
		}
		select {
		case s.pending <- struct{}{}:
		default:
			s.log.Warn("too many pending raft handshakes; dropping", "remote", c.RemoteAddr())
			_ = c.Close()
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() { <-s.pending }()
			c, err := s.serverTLS(c)
			if err != nil {
				s.log.Warn("raft stream TLS handshake rejected", "remote", c.RemoteAddr(), "err", err)
				_ = c.Close()
				return
			}
			if err := s.serverHandshake(c); err != nil {
				s.log.Warn("raft stream handshake rejected", "remote", c.RemoteAddr(), "err", err)
				_ = c.Close()
				return
			}
			select {
			case s.ready <- c:
			case <-s.done:
				_ = c.Close()
			}
		}()
	}
}

// Accept returns the next authenticated connection.
func (s *StreamLayer) Accept() (net.Conn, error) {
	select {
	case c := <-s.ready:
		return c, nil
	case <-s.done:
		return nil, fmt.Errorf("peer: stream layer: %w", net.ErrClosed)
	}
}

// Close stops accepting and waits for pending handshakes to finish.
func (s *StreamLayer) Close() error {
	var err error
	s.once.Do(func() {
		close(s.done)
		err = s.ln.Close()
		s.wg.Wait()
	})
	if err != nil {
		return fmt.Errorf("peer: stream layer close: %w", err)
	}
	return nil
}

// Addr is the advertised address.
func (s *StreamLayer) Addr() net.Addr { return s.advertise }

// Dial connects to a raft peer and authenticates both ends.
func (s *StreamLayer) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	select {
	case <-s.done:
		return nil, fmt.Errorf("peer: dial %s: %w", address, ErrClosed)
	default:
	}
	d := net.Dialer{Timeout: timeout}
	c, err := d.Dial("tcp", string(address))
	if err != nil {
		return nil, fmt.Errorf("%w: raft dial %s: %w", ErrUnreachable, address, err)
	}
	if c, err = s.clientTLS(c, string(address)); err != nil {
		return nil, fmt.Errorf("peer: raft dial %s: %w", address, err)
	}
	if err := s.clientHandshake(c); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("peer: raft dial %s: %w", address, err)
	}
	return c, nil
}

// serverTLS runs the listener side of the TLS handshake (a no-op without TLS).
func (s *StreamLayer) serverTLS(c net.Conn) (net.Conn, error) {
	if s.tls == nil {
		return c, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	tc := tls.Server(c, s.tls.Server)
	if err := tc.HandshakeContext(ctx); err != nil {
		return c, fmt.Errorf("%w: %w", ErrUnauthorized, err)
	}
	return tc, nil
}

// clientTLS runs the dialer side of the TLS handshake; on error c is closed.
func (s *StreamLayer) clientTLS(c net.Conn, addr string) (net.Conn, error) {
	if s.tls == nil {
		return c, nil
	}
	cfg, err := s.tls.Client(addr)
	if err != nil {
		_ = c.Close()
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	tc := tls.Client(c, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = c.Close()
		return nil, tlsError(addr, err)
	}
	return tc, nil
}

func (s *StreamLayer) proof(role string, a, b []byte) []byte {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(role))
	h.Write(a)
	h.Write(b)
	return h.Sum(nil)
}

func (s *StreamLayer) clientHandshake(c net.Conn) error {
	if err := c.SetDeadline(time.Now().Add(s.timeout)); err != nil {
		return err
	}
	hello := make([]byte, len(streamMagic)+nonceSize)
	copy(hello, streamMagic)
	nC := hello[len(streamMagic):]
	_, _ = rand.Read(nC)
	if _, err := c.Write(hello); err != nil {
		return fmt.Errorf("%w: handshake write: %w", ErrUnreachable, err)
	}
	reply := make([]byte, nonceSize+sha256.Size)
	if _, err := io.ReadFull(c, reply); err != nil {
		return fmt.Errorf("%w: handshake read (wrong secret?): %w", ErrUnauthorized, err)
	}
	nS, proofS := reply[:nonceSize], reply[nonceSize:]
	if !hmac.Equal(proofS, s.proof("server", nC, nS)) {
		return fmt.Errorf("%w: server failed handshake", ErrUnauthorized)
	}
	if _, err := c.Write(s.proof("client", nS, nC)); err != nil {
		return fmt.Errorf("%w: handshake write: %w", ErrUnreachable, err)
	}
	return c.SetDeadline(time.Time{})
}

func (s *StreamLayer) serverHandshake(c net.Conn) error {
	if err := c.SetDeadline(time.Now().Add(s.timeout)); err != nil {
		return err
	}
	hello := make([]byte, len(streamMagic)+nonceSize)
	if _, err := io.ReadFull(c, hello); err != nil {
		return fmt.Errorf("%w: handshake read: %w", ErrUnauthorized, err)
	}
	if string(hello[:len(streamMagic)]) != streamMagic {
		return fmt.Errorf("%w: bad handshake magic", ErrUnauthorized)
	}
	nC := hello[len(streamMagic):]
	nS := make([]byte, nonceSize)
	_, _ = rand.Read(nS)
	if _, err := c.Write(append(nS, s.proof("server", nC, nS)...)); err != nil {
		return fmt.Errorf("handshake write: %w", err)
	}
	proofC := make([]byte, sha256.Size)
	if _, err := io.ReadFull(c, proofC); err != nil {
		return fmt.Errorf("%w: handshake read: %w", ErrUnauthorized, err)
	}
	if !hmac.Equal(proofC, s.proof("client", nS, nC)) {
		return fmt.Errorf("%w: client failed handshake", ErrUnauthorized)
	}
	return c.SetDeadline(time.Time{})
}
