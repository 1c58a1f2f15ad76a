package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// Client calls the public API of a datamon cluster. Safe for concurrent use.
type Client struct {
	cfg       Config
	log       *slog.Logger
	hc        *fasthttp.Client
	endpoints []endpoint
	preferred atomic.Int64 // index of the endpoint that answered last
}

type endpoint struct {
	base string // "http://host:port"
}

// New validates cfg and builds a Client. Zero Timeout/Retries/Backoff fields
// take DefaultConfig values (set Retries to -1 for no retries).
func New(cfg Config) (*Client, error) {
	d := DefaultConfig()
	if cfg.Timeout == 0 {
		cfg.Timeout = d.Timeout
	}
	switch {
	case cfg.Retries == 0:
		cfg.Retries = d.Retries
	case cfg.Retries < 0:
		cfg.Retries = 0
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = d.Backoff
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = max(d.MaxBackoff, cfg.Backoff)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	tlsCfg, err := cfg.tlsConfig()
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, log: cfg.Logger}
	for _, e := range cfg.Endpoints {
		scheme, host, _ := splitEndpoint(e)
		c.endpoints = append(c.endpoints, endpoint{base: scheme + "://" + host})
	}
	dial := cfg.Dial
	if dial == nil {
		dial = func(addr string) (net.Conn, error) { return fasthttp.DialTimeout(addr, 10*time.Second) }
	}
	c.hc = &fasthttp.Client{
		Name:                "datamon-client",
		Dial:                func(addr string) (net.Conn, error) { return tagDial(dial(addr)) },
		MaxIdleConnDuration: 30 * time.Second,
		TLSConfig:           tlsCfg,
		// Never let fasthttp re-send a request on its own: a request whose
		// connection broke after it was written may have been applied, and
		// re-sending a conditional label move would turn its success into a
		// precondition failure. Client.do retries, knowing which calls are
		// idempotent (jepsen scenario datamon-open-client-resend).
		RetryIfErr: func(*fasthttp.Request, int, error) (bool, bool) { return false, false },
	}
	return c, nil
}

// dialError marks failures to connect: nothing was sent, any call may retry.
type dialError struct{ err error }

func (e *dialError) Error() string { return "dial: " + e.err.Error() }
func (e *dialError) Unwrap() error { return e.err }

func tagDial(c net.Conn, err error) (net.Conn, error) {
	if err != nil {
		return nil, &dialError{err}
	}
	return c, nil
}

// call describes one API request.
type call struct {
	method     string
	path       string // unescaped; segments are escaped when sent
	query      url.Values
	body       []byte
	unsigned   bool // sign UNSIGNED-PAYLOAD instead of the body digest
	idempotent bool
	// check validates a 2xx answer; a failure counts as retryable.
	check func(body []byte) error
	// requestID is sent on every attempt of a write (do sets it).
	requestID string
}

// do runs c with failover and returns the 2xx status and body.
func (c *Client) do(ctx context.Context, cl call) (int, []byte, error) {
	if cl.method == fasthttp.MethodGet && isStale(ctx) {
		if cl.query == nil {
			cl.query = url.Values{}
		}
		cl.query.Set("stale", "true")
	}
	// One request ID for every attempt: the cluster applies the write once
	// and answers a resend with the first outcome, so a write is resent
	// after a timeout, a reset or a lost leader like a read.
	if !cl.unsigned { // chunk bodies are content-addressed: no ID, no server-side digest of MiBs
		cl.requestID = c.requestID(ctx, cl.method)
	}
	resendable := cl.idempotent || cl.requestID != ""
	n := len(c.endpoints)
	start := int(c.preferred.Load())
	var lastErr error
	for attempt := 0; attempt <= c.cfg.Retries; attempt++ {
		if attempt > 0 {
			if err := c.sleep(ctx, attempt, lastErr); err != nil {
				return 0, nil, fmt.Errorf("%w: %s %s: %w (last error: %w)", ErrUnavailable, cl.method, cl.path, err, lastErr)
			}
		}
		i := (start + attempt) % n
		status, body, err := c.once(ctx, c.endpoints[i], cl)
		if err == nil && cl.check != nil {
			err = cl.check(body)
		}
		if err == nil {
			c.preferred.Store(int64(i))
			return status, body, nil
		}
		lastErr = err
		if !retryable(err, resendable) || ctx.Err() != nil {
			return 0, nil, err
		}
		c.log.Debug("retrying on another endpoint", "method", cl.method, "path", cl.path,
			"endpoint", c.endpoints[i].base, "attempt", attempt+1, "err", err)
	}
	var ae *APIError
	if errors.As(lastErr, &ae) && ae.Status != fasthttp.StatusServiceUnavailable && ae.Status < 500 {
		return 0, nil, lastErr
	}
	if errors.Is(lastErr, ErrCorruptChunk) || errors.Is(lastErr, ErrUnavailable) {
		return 0, nil, lastErr
	}
	return 0, nil, fmt.Errorf("%w: %s %s: %w", ErrUnavailable, cl.method, cl.path, lastErr)
}

func retryable(err error, idempotent bool) bool {
	var de *dialError
	if errors.As(err, &de) {
		return true
	}
	var ae *APIError
	if errors.As(err, &ae) {
		if ae.Code == codeNodesDown {
			return false // lasts until a node is back: fail fast
		}
		if idempotent {
			return ae.Status >= 500
		}
		// A non-idempotent write is retried only when the node said it did
		// not process it (NotServing). Any other 503 (a forward to the
		// leader that timed out, a lost leader) may follow an applied
		// command: resending a conditional label move would then answer
		// ErrPrecondition for a move that happened (like jepsen bug 1).
		return ae.Status == fasthttp.StatusServiceUnavailable && ae.Code == codeNotServing
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	// Timeouts, resets, corrupt answers: the request may have been applied.
	return idempotent
}

// sleep waits before attempt: exponential backoff from Config.Backoff to
// Config.MaxBackoff, or longer when the last answer carried a Retry-After
// (a degraded cluster says how long it expects to need).
func (c *Client) sleep(ctx context.Context, attempt int, lastErr error) error {
	d := c.cfg.Backoff
	for i := 1; i < attempt && d < c.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, c.cfg.MaxBackoff)
	var ae *APIError
	if errors.As(lastErr, &ae) && ae.RetryAfter > d {
		d = ae.RetryAfter
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
