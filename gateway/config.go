package gateway

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Config configures a Server.
type Config struct {
	// Region answered by GetBucketLocation (default "us-east-1").
	Region string
	// Domains enable virtual-host-style addressing: a request for host
	// "bucket.<domain>" addresses bucket. Empty: path-style only.
	Domains []string
	// MaxHeaderSize bounds the request line plus headers (fasthttp
	// ReadBufferSize); larger requests get 400. Default 64 KiB.
	MaxHeaderSize int
	// MaxObjectSize bounds a single PUT / part (default 5 TiB).
	MaxObjectSize int64
	// MaxClockSkew is the allowed difference between request time and
	// server time (default 15 minutes).
	MaxClockSkew time.Duration
	// Clock returns the current time (default time.Now).
	Clock func() time.Time
	// Logger (nil: discard).
	Logger *slog.Logger
	// StreamRequestBody must stay true: bodies are never buffered whole.
	StreamRequestBody bool
	// ReadTimeout / WriteTimeout / IdleTimeout for connections (0: none).
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// Unavailable reports whether a backend error means "not enough of the
	// cluster is up right now" (answered 503 ServiceUnavailable with
	// Retry-After, which SDKs retry) rather than a bug (500). nil: only
	// ErrUnavailable, ErrNotServing and ErrSlowDown are 503.
	Unavailable func(error) bool
	// RetryAfter is the Retry-After of every 503 answer (whole seconds,
	// at least 1; default 1 s).
	RetryAfter time.Duration
	// Audit records every authenticated write and every refused request
	// (guard.go); nil: none.
	Audit Auditor
	// AuthLimit throttles callers after failed signatures; nil: none.
	AuthLimit AuthLimiter
	// BucketRepo names the context and repo of a bucket for audit records
	// (nil: bucket and key only).
	BucketRepo func(bucket string) (context, repo string, ok bool)
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		Region:            "us-east-1",
		MaxHeaderSize:     64 << 10,
		MaxObjectSize:     5 << 40,
		MaxClockSkew:      15 * time.Minute,
		Clock:             time.Now,
		StreamRequestBody: true,
		IdleTimeout:       2 * time.Minute,
		RetryAfter:        time.Second,
	}
}

// ErrInvalidConfig is returned by Validate.
var ErrInvalidConfig = errors.New("gateway: invalid config")

// Validate checks the config.
func (c Config) Validate() error {
	switch {
	case c.Region == "":
		return fmt.Errorf("%w: empty Region", ErrInvalidConfig)
	case c.MaxHeaderSize < 4096:
		return fmt.Errorf("%w: MaxHeaderSize %d < 4096", ErrInvalidConfig, c.MaxHeaderSize)
	case c.MaxObjectSize <= 0:
		return fmt.Errorf("%w: MaxObjectSize %d", ErrInvalidConfig, c.MaxObjectSize)
	case c.MaxClockSkew <= 0:
		return fmt.Errorf("%w: MaxClockSkew %v", ErrInvalidConfig, c.MaxClockSkew)
	case c.RetryAfter < 0:
		return fmt.Errorf("%w: RetryAfter %v", ErrInvalidConfig, c.RetryAfter)
	case !c.StreamRequestBody:
		return fmt.Errorf("%w: StreamRequestBody must be true", ErrInvalidConfig)
	}
	for _, d := range c.Domains {
		if d == "" || strings.ContainsAny(d, "/: ") {
			return fmt.Errorf("%w: domain %q", ErrInvalidConfig, d)
		}
	}
	return nil
}

func (c *Config) fill() {
	d := DefaultConfig()
	if c.Clock == nil {
		c.Clock = d.Clock
	}
	if c.RetryAfter == 0 {
		c.RetryAfter = d.RetryAfter
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}
