package lfs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
)

// Config tunes a Server. New fills zero fields from DefaultConfig.
type Config struct {
	// HrefKey signs transfer hrefs (DeriveHrefKey of the cluster secret:
	// every node must hold the same key). Required, at least 32 bytes.
	HrefKey []byte
	// HrefTTL is how long a transfer action stays valid (expires_in).
	HrefTTL time.Duration
	// MaxBatchObjects is the most objects one batch request may name; a
	// larger batch is refused with 413 (git-lfs sends 100 at a time).
	MaxBatchObjects int
	// MaxJSONBody bounds batch, lock and verify request bodies.
	MaxJSONBody int
	// MaxObjectSize is the largest object accepted: its chunk list must
	// fit one Raft command (model.LFSMaxChunks × Chunker.Min bytes at most).
	MaxObjectSize int64
	// LockPage and MaxLockPage: default and largest page of lock lists.
	LockPage, MaxLockPage int
	// Chunker cuts objects; it must stay the bundle default for dedup.
	Chunker chunk.ChunkerConfig
	// PutParallelism bounds chunk puts of one upload; ReadAhead the chunks
	// a download fetches ahead of the one it sends.
	PutParallelism, ReadAhead int
	// TransferTimeout bounds one upload or download body.
	TransferTimeout time.Duration
	// RequestTimeout bounds batch, lock and verify requests.
	RequestTimeout time.Duration
	// Stale marks a context for stale metadata reads (key lookups);
	// nil: identity.
	Stale func(context.Context) context.Context
	// Unavailable reports errors that mean "retry later" (503).
	Unavailable func(error) bool
	// TransferHost, when set, names the host:port that the upload and
	// download hrefs of an object point at (another node of the cluster:
	// every node accepts every href). "" or nil: the node that answered
	// the batch, as the client addressed it. A client retrying a transfer
	// whose node died asks the batch again and gets the host this returns
	// then.
	TransferHost func(oid string) string
	// Audit, when set, records every authenticated write and every refused
	// request (guard.go); AuthLimit, when set, throttles failed logins.
	Audit     Auditor
	AuthLimit AuthLimiter
	// Now is the clock (token expiry, lock times are the leader's).
	Now func() time.Time
	// Logger; nil discards.
	Logger *slog.Logger
}

// DefaultConfig returns the defaults: 1 h hrefs, 1000-object batches,
// 4 MiB request bodies, 2 GiB objects, 100-lock pages (1000 at most).
func DefaultConfig() Config {
	c := chunk.DefaultChunkerConfig()
	return Config{
		HrefTTL: time.Hour, MaxBatchObjects: 1000, MaxJSONBody: 4 << 20,
		MaxObjectSize: int64(model.LFSMaxChunks) * int64(c.Min),
		LockPage:      100, MaxLockPage: 1000, Chunker: c, PutParallelism: 4, ReadAhead: 4,
		TransferTimeout: time.Hour, RequestTimeout: time.Minute,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.HrefTTL == 0 {
		c.HrefTTL = d.HrefTTL
	}
	if c.MaxBatchObjects == 0 {
		c.MaxBatchObjects = d.MaxBatchObjects
	}
	if c.MaxJSONBody == 0 {
		c.MaxJSONBody = d.MaxJSONBody
	}
	if c.Chunker == (chunk.ChunkerConfig{}) {
		c.Chunker = d.Chunker
	}
	if c.MaxObjectSize == 0 {
		c.MaxObjectSize = int64(model.LFSMaxChunks) * int64(c.Chunker.Min)
	}
	if c.LockPage == 0 {
		c.LockPage = d.LockPage
	}
	if c.MaxLockPage == 0 {
		c.MaxLockPage = d.MaxLockPage
	}
	if c.PutParallelism == 0 {
		c.PutParallelism = d.PutParallelism
	}
	if c.ReadAhead == 0 {
		c.ReadAhead = d.ReadAhead
	}
	if c.TransferTimeout == 0 {
		c.TransferTimeout = d.TransferTimeout
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = d.RequestTimeout
	}
	if c.Stale == nil {
		c.Stale = func(ctx context.Context) context.Context { return ctx }
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate checks the (defaulted) config.
func (c Config) Validate() error {
	if err := c.Chunker.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrBadConfig, err)
	}
	switch {
	case len(c.HrefKey) < 32:
		return fmt.Errorf("%w: href key of %d bytes, want >= 32", ErrBadConfig, len(c.HrefKey))
	case c.HrefTTL < time.Second:
		return fmt.Errorf("%w: href TTL %v < 1s", ErrBadConfig, c.HrefTTL)
	case c.MaxBatchObjects < 1, c.MaxJSONBody < 1024:
		return fmt.Errorf("%w: batch limits %d objects / %d bytes", ErrBadConfig, c.MaxBatchObjects, c.MaxJSONBody)
	case c.MaxObjectSize < 0 || c.MaxObjectSize > int64(model.LFSMaxChunks)*int64(c.Chunker.Min):
		return fmt.Errorf("%w: max object size %d: chunk lists must fit %d chunks of at least %d bytes",
			ErrBadConfig, c.MaxObjectSize, model.LFSMaxChunks, c.Chunker.Min)
	case c.LockPage < 1 || c.MaxLockPage < c.LockPage:
		return fmt.Errorf("%w: lock pages %d / %d", ErrBadConfig, c.LockPage, c.MaxLockPage)
	case c.PutParallelism < 1 || c.ReadAhead < 1:
		return fmt.Errorf("%w: parallelism %d / read-ahead %d", ErrBadConfig, c.PutParallelism, c.ReadAhead)
	case c.TransferTimeout <= 0 || c.RequestTimeout <= 0:
		return fmt.Errorf("%w: timeouts", ErrBadConfig)
	}
	return nil
}
