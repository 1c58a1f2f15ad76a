package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/datamon-io/datamon/apiauth"
)

// ErrConfig reports an invalid Config.
var ErrConfig = errors.New("api: invalid config")

// Config configures a Server.
type Config struct {
	// MaxChunkBody bounds PUT /v1/chunks bodies (413 beyond it).
	MaxChunkBody int
	// MaxChunkSize bounds one chunk (PUT /v1/chunks, each chunk of a
	// batch): 413 beyond it. It is the chunk store's own limit (default
	// 16 MiB, cas.Config.MaxChunkSize's default), checked here so a chunk
	// the store would refuse gets a client error, not a 500.
	MaxChunkSize int
	// MaxJSONBody bounds every other request body (413 beyond it).
	MaxJSONBody int
	// ClockSkew is the accepted difference between a request's signed date and now.
	ClockSkew time.Duration
	// RequestTimeout bounds the work done for one request.
	RequestTimeout time.Duration
	// Stale turns a context into one that allows stale reads; node sets it to
	// raftmeta.WithStale. nil: reads are never stale.
	Stale func(context.Context) context.Context
	// Unavailable reports errors that mean "try another node / later" (no
	// leader, shutting down); they map to 503. Context deadline errors always do.
	Unavailable func(error) bool
	// RetryAfter is sent as Retry-After (whole seconds, at least 1) with
	// every 503 answer (Unavailable, NotServing): clients back off at least
	// that long. Default 1 s.
	RetryAfter time.Duration
	// Now is the clock (tests).
	Now func() time.Time
	// Version is exported on /metrics as datamon_build_info{version="..."}.
	Version string
	// MetricsToken, when set, is a bearer token that GET /metrics accepts
	// instead of a signed request (Prometheus' authorization: credentials).
	MetricsToken string
	// Identities serves the user, key and grant routes. nil: the Meta
	// passed to New, when it implements Identities (*raftmeta.Meta does);
	// otherwise those routes answer 503.
	Identities Identities
	// Audit records every authenticated write and every refused request
	// and answers GET /v1/audit (guard.go); nil: none (GET /v1/audit 404).
	Audit AuditLog
	// AuthLimit throttles callers after failed authentications; nil: none.
	AuthLimit AuthLimiter
	// Tokens, when set, verifies "Authorization: Bearer <JWT>" requests
	// (auth_bearer.go); nil: bearer tokens are refused.
	Tokens Tokens
	// Runs serves the pipeline run routes (handlers_runs.go). nil: the Meta
	// passed to New, when it implements Runs (*raftmeta.Meta does);
	// otherwise those routes answer 503.
	Runs Runs
	// Lineage answers the lineage routes; nil: 503.
	Lineage Lineage
	// RunEvents hears of run starts and finishes; nil: none.
	RunEvents RunEvents
	// LineageIngest serves POST /api/v1/lineage; nil: 503.
	LineageIngest LineageIngest
	Logger        *slog.Logger
}

// DefaultConfig returns the defaults: 32 MiB chunks, 1 MiB JSON, ±15 min skew.
func DefaultConfig() Config {
	return Config{
		MaxChunkBody:   32 << 20,
		MaxChunkSize:   16 << 20,
		MaxJSONBody:    1 << 20,
		ClockSkew:      apiauth.DefaultSkew,
		RequestTimeout: 60 * time.Second,
		RetryAfter:     time.Second,
		Now:            time.Now,
		Version:        "dev",
	}
}

// Validate checks the limits.
func (c Config) Validate() error {
	if c.MaxChunkBody <= 0 || c.MaxJSONBody <= 0 || c.MaxChunkSize < 0 {
		return fmt.Errorf("%w: body limits must be positive", ErrConfig)
	}
	if c.ClockSkew <= 0 || c.RequestTimeout <= 0 {
		return fmt.Errorf("%w: clock skew and request timeout must be positive", ErrConfig)
	}
	if c.RetryAfter < 0 {
		return fmt.Errorf("%w: negative RetryAfter %v", ErrConfig, c.RetryAfter)
	}
	return nil
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.MaxChunkBody == 0 {
		c.MaxChunkBody = d.MaxChunkBody
	}
	if c.MaxChunkSize == 0 {
		c.MaxChunkSize = d.MaxChunkSize
	}
	if c.MaxJSONBody == 0 {
		c.MaxJSONBody = d.MaxJSONBody
	}
	if c.ClockSkew == 0 {
		c.ClockSkew = d.ClockSkew
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = d.RequestTimeout
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Stale == nil {
		c.Stale = func(ctx context.Context) context.Context { return ctx }
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}
