package fusefs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
)

// Store is what a mount needs from the cluster (*client.Client satisfies
// it). GetChunk must verify the chunk's hash.
type Store interface {
	GetChunk(ctx context.Context, id chunk.ID) ([]byte, error)
	PutChunk(ctx context.Context, data []byte) (chunk.ID, error)
	HasChunks(ctx context.Context, ids []chunk.ID) ([]bool, error)
	CommitBundle(ctx context.Context, b model.Bundle, label string) (model.Bundle, error)
}

// Config holds the knobs of a mount.
type Config struct {
	// CacheSize bounds the bytes of chunk data cached (including prefetch).
	CacheSize int64
	// Prefetch is how many chunks are read ahead on sequential access.
	Prefetch int
	// MetaCacheSize bounds the (estimated) bytes of cached attributes and
	// directory pages.
	MetaCacheSize int64
	// DirPage is how many entries one ListDir call returns.
	DirPage int
	// FetchTimeout bounds one chunk fetch (client failover included).
	FetchTimeout time.Duration
	// AllowOther lets other users access the mount (needs user_allow_other).
	AllowOther bool
	// MaxCopyUp bounds the bytes copied up by one directory rename.
	MaxCopyUp int64
	// Uid and Gid own every file (default: the mounting user).
	Uid, Gid uint32
	Logger   *slog.Logger
}

// DefaultConfig: 256 MiB chunk cache, 2 chunks read-ahead, 32 MiB of
// metadata cache, 1000-entry directory pages.
func DefaultConfig() Config {
	uid, gid := owner()
	return Config{
		CacheSize: 256 << 20, Prefetch: 2, MetaCacheSize: 32 << 20, DirPage: 1000,
		FetchTimeout: 2 * time.Minute, MaxCopyUp: 4 << 30, Uid: uid, Gid: gid,
	}
}

// Validate checks c and fills the logger.
func (c *Config) Validate() error {
	min := int64(c.Prefetch+2) * int64(chunk.DefaultChunkerConfig().Max)
	switch {
	case c.Prefetch < 0 || c.Prefetch > 64:
		return fmt.Errorf("%w: prefetch %d not in [0, 64]", ErrBadConfig, c.Prefetch)
	case c.CacheSize < min:
		return fmt.Errorf("%w: cache size %d < (prefetch+2) x max chunk = %d", ErrBadConfig, c.CacheSize, min)
	case c.MetaCacheSize < 1<<20:
		return fmt.Errorf("%w: metadata cache %d < 1 MiB", ErrBadConfig, c.MetaCacheSize)
	case c.DirPage < 1:
		return fmt.Errorf("%w: dir page %d < 1", ErrBadConfig, c.DirPage)
	case c.FetchTimeout <= 0:
		return fmt.Errorf("%w: fetch timeout %v", ErrBadConfig, c.FetchTimeout)
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}
