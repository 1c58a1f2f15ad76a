package s3backend

import (
	"fmt"
	"log/slog"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/manifest"
)

// Config tunes a Backend. Start from DefaultConfig.
type Config struct {
	// Chunker cuts object bodies (default chunk.DefaultChunkerConfig).
	Chunker chunk.ChunkerConfig
	// PutParallelism bounds the chunks of one upload in flight (default 4).
	PutParallelism int
	// ReadAhead is how many chunks a GetObject reader fetches ahead (default 2).
	ReadAhead int
	// HasThreshold: chunks at least this big are checked with Has before
	// Put, so content already stored is not sent again (default 64 KiB;
	// negative: never check).
	HasThreshold int
	// MinPartSize is the smallest non-last multipart part (default 5 MiB).
	MinPartSize int64
	// ListPage is the batch size of base and draft reads when listing (default 256).
	ListPage int
	// CommitRetries bounds commit attempts when the label moves (default 3).
	CommitRetries int
	// CondRetries bounds conditional-write attempts when the base moves (default 5).
	CondRetries int
	// PageCache is the number of manifest pages cached (immutable; default 128).
	PageCache int
	// Manifest sizes the pages commits write (zero: manifest defaults).
	Manifest manifest.WriterConfig
	// Logger; nil discards.
	Logger *slog.Logger
}

// DefaultConfig returns the production defaults.
func DefaultConfig() Config {
	return Config{
		Chunker: chunk.DefaultChunkerConfig(), PutParallelism: 4, ReadAhead: 2,
		HasThreshold: 64 << 10, MinPartSize: 5 << 20, ListPage: 256, CommitRetries: 3, CondRetries: 5,
		PageCache: 128,
	}
}

// Validate checks the bounds.
func (c Config) Validate() error {
	if err := c.Chunker.Validate(); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidConfig, err)
	}
	switch {
	case c.PutParallelism < 1, c.ReadAhead < 0, c.MinPartSize < 0, c.ListPage < 1,
		c.CommitRetries < 1, c.CondRetries < 1, c.PageCache < 0:
		return fmt.Errorf("%w: %+v", ErrInvalidConfig, c)
	}
	return nil
}
