package peer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// ClientConfig configures a Client.
type ClientConfig struct {
	Secret          []byte        // cluster secret (required)
	Timeout         time.Duration // per call when ctx has no earlier deadline
	MaxConnsPerHost int
	MaxResponseSize int              // largest response body accepted
	Clock           func() time.Time // nil → time.Now
	Logger          *slog.Logger     // nil discards
	// TLS, when set, gives the client TLS config for dialing a peer at addr
	// (called per connection, so a reloaded certificate or CA is used by the
	// next connection): every call then runs over mutual TLS, under the
	// request signature. Nil: plain TCP.
	TLS func(addr string) (*tls.Config, error)
}

// DefaultClientConfig returns client settings sized for shard traffic; set Secret.
func DefaultClientConfig() ClientConfig {
	return ClientConfig{Timeout: 30 * time.Second, MaxConnsPerHost: 64, MaxResponseSize: 64 << 20}
}

// Validate reports whether the config is usable.
func (c ClientConfig) Validate() error {
	if len(c.Secret) == 0 {
		return fmt.Errorf("%w: empty secret", ErrConfig)
	}
	if c.Timeout < 0 || c.MaxConnsPerHost < 0 || c.MaxResponseSize < 0 {
		return fmt.Errorf("%w: negative limit", ErrConfig)
	}
	return nil
}

// Client makes signed calls to peers over keep-alive connections.
type Client struct {
	cfg    ClientConfig
	cfgErr error
	key    []byte
	log    *slog.Logger
	clock  func() time.Time
	hc     *fasthttp.Client
	closed atomic.Bool
}

// NewClient builds a Client; zero fields of cfg take DefaultClientConfig
// values. With an invalid cfg every call fails with ErrConfig.
func NewClient(cfg ClientConfig) *Client {
	d := DefaultClientConfig()
	if cfg.Timeout == 0 {
		cfg.Timeout = d.Timeout
	}
	if cfg.MaxConnsPerHost == 0 {
		cfg.MaxConnsPerHost = d.MaxConnsPerHost
	}
	if cfg.MaxResponseSize == 0 {
		cfg.MaxResponseSize = d.MaxResponseSize
	}
	c := &Client{cfg: cfg, cfgErr: cfg.Validate(), key: requestKey(cfg.Secret), log: cfg.Logger, clock: cfg.Clock}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.clock == nil {
		c.clock = time.Now
	}
	c.hc = &fasthttp.Client{
		Name:                     "datamon-peer",
		NoDefaultUserAgentHeader: true,
		MaxConnsPerHost:          cfg.MaxConnsPerHost,
		MaxConnWaitTimeout:       cfg.Timeout,
		MaxIdleConnDuration:      90 * time.Second,
		MaxResponseBodySize:      cfg.MaxResponseSize,
		Dial:                     dialer(cfg.TLS, cfg.Timeout),
		// A request is retried only on a fresh connection if a kept-alive
		// one turned out to be dead; every internal route is idempotent.
		RetryIfErr: func(req *fasthttp.Request, attempts int, err error) (bool, bool) {
			return false, attempts < 2
		},
	}
	return c
}

// dialer connects over TCP and, with tlsFor, runs the TLS handshake (the
// request then travels as HTTP over the TLS connection).
func dialer(tlsFor func(string) (*tls.Config, error), timeout time.Duration) fasthttp.DialFunc {
	if tlsFor == nil {
		return nil // fasthttp's default TCP dialer
	}
	return func(addr string) (net.Conn, error) {
		cfg, err := tlsFor(addr)
		if err != nil {
			return nil, err
		}
		c, err := fasthttp.DialTimeout(addr, timeout)
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		tc := tls.Client(c, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = c.Close()
			return nil, tlsError(addr, err)
		}
		return tc, nil
	}
}

// tlsError wraps a failed handshake; a refused certificate (ours or the
// peer's) is ErrUnauthorized, anything else (reset, timeout) is left to the
// caller's ErrUnreachable.
func tlsError(addr string, err error) error {
	var (
		verr  *tls.CertificateVerificationError
		alert tls.AlertError
		rhe   tls.RecordHeaderError
	)
	if errors.As(err, &verr) || errors.As(err, &alert) || errors.As(err, &rhe) {
		return fmt.Errorf("%w: TLS handshake with %s: %w", ErrUnauthorized, addr, err)
	}
	return fmt.Errorf("TLS handshake with %s: %w", addr, err)
}

// Close releases idle connections. Calls after Close fail with ErrClosed.
func (c *Client) Close() error {
	if c.closed.CompareAndSwap(false, true) {
		c.hc.CloseIdleConnections()
	}
	return nil
}

// Call POSTs body to path on the peer at addr (host:port) and returns the
// response body. A non-2xx answer is a *StatusError; transport failures wrap
// ErrUnreachable; ctx deadline and cancellation are honoured.
func (c *Client) Call(ctx context.Context, addr, path string, body []byte) ([]byte, error) {
	out, err := c.do(ctx, addr, path, "", body, false)
	if err != nil {
		return nil, fmt.Errorf("peer: call %s%s: %w", addr, path, err)
	}
	return out, nil
}

// do performs one signed POST. query is the raw query string (no '?').
// shardRoute selects the shard error mapping for non-2xx statuses.
func (c *Client) do(ctx context.Context, addr, path, query string, body []byte, shardRoute bool) ([]byte, error) {
	if c.cfgErr != nil {
		return nil, c.cfgErr
	}
	if c.closed.Load() {
		return nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(c.cfg.Timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	release := func() {
		fasthttp.ReleaseRequest(req)
		fasthttp.ReleaseResponse(resp)
	}
	req.Header.SetMethod(fasthttp.MethodPost)
	req.URI().SetScheme("http")
	req.URI().SetHost(addr)
	req.URI().SetPath(path)
	req.URI().SetQueryString(query)
	req.Header.SetContentType("application/octet-stream")
	req.SetBodyRaw(body)
	signWithKey(c.key, req, c.clock())

	var err error
	if ctx.Done() == nil {
		err = c.hc.DoDeadline(req, resp, deadline)
	} else {
		done := make(chan error, 1)
		go func() { done <- c.hc.DoDeadline(req, resp, deadline) }()
		select {
		case err = <-done:
		case <-ctx.Done():
			// The request still owns req/resp; release them when it ends.
			go func() { <-done; release() }()
			return nil, ctx.Err()
		}
	}
	defer release()
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("%w: %w (%v)", ErrUnreachable, ctxErr, err)
		}
		if errors.Is(err, fasthttp.ErrTimeout) && !deadline.After(time.Now()) {
			return nil, fmt.Errorf("%w: %w (%v)", ErrUnreachable, context.DeadlineExceeded, err)
		}
		return nil, fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
	code := resp.StatusCode()
	if code < 200 || code > 299 {
		return nil, statusError(code, string(resp.Header.Peek(errorKindHeader)), string(resp.Body()), shardRoute)
	}
	return append([]byte(nil), resp.Body()...), nil
}
