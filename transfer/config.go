package transfer

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
)

// Store is the chunk store a transfer reads and writes (*client.Client
// satisfies it). GetChunk must return bytes that hash to id; the pipelines
// check again anyway.
type Store interface {
	PutChunk(ctx context.Context, data []byte) (chunk.ID, error)
	GetChunk(ctx context.Context, id chunk.ID) ([]byte, error)
	HasChunks(ctx context.Context, ids []chunk.ID) ([]bool, error)
}

// BatchPutter is implemented by a Store that stores many chunks in one call
// (*client.Client): a nil error means every chunk is stored. Uploads send
// small chunks through it in batches of up to Config.HasBatch chunks /
// Config.BatchBytes bytes.
type BatchPutter interface {
	PutChunks(ctx context.Context, data [][]byte) ([]chunk.ID, error)
}

// Committer records a bundle (and optionally moves a label to it) in one
// metadata command (*client.Client satisfies it).
type Committer interface {
	CommitBundle(ctx context.Context, b model.Bundle, label string) (model.Bundle, error)
}

// LabelParentCommitter commits a bundle, moves label to it and records the
// bundle label pointed at before as its parent, in one metadata command
// (*client.Client satisfies it). UploadOptions.LabelParent needs it.
type LabelParentCommitter interface {
	CommitBundleOnLabel(ctx context.Context, b model.Bundle, label string) (model.Bundle, error)
}

// Config holds the knobs shared by every operation. Zero fields take the
// DefaultConfig values.
type Config struct {
	// Concurrency is the number of file workers and of chunk put/get workers.
	Concurrency int
	// MaxInFlight bounds the bytes of chunk data held by the pipeline at a
	// time (0: Concurrency × 2 × Chunker.Max). It must be >= Chunker.Max.
	MaxInFlight int64
	// HasBatch is how many chunk IDs one HasChunks call asks about, and the
	// most chunks of one PutChunks batch.
	HasBatch int
	// SmallChunk is the largest chunk that is batched with chunks of other
	// files (one HasChunks and one PutChunks per batch) instead of being
	// sent on its own (-1: never batch); BatchBytes bounds the data of one
	// batch.
	SmallChunk int
	BatchBytes int
	// Retries is how many more attempts a failed chunk operation gets;
	// Backoff doubles from Backoff up to MaxBackoff between them.
	Retries    int
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Chunker must stay the default for dedup across uploads; tests shrink it.
	Chunker chunk.ChunkerConfig
	// Progress, when set, is called (from one goroutine at a time) as work
	// advances, at most every ProgressEvery, and once at the end with Done.
	Progress      func(Progress)
	ProgressEvery time.Duration
	Logger        *slog.Logger
}

// DefaultConfig returns the default knobs: 8 workers, 256-ID Has batches,
// 8 retries from 200 ms to 5 s (about 20 s in all: a node restart or a
// failover), chunks up to 256 KiB batched up to 4 MiB, the default chunker.
func DefaultConfig() Config {
	return Config{
		Concurrency: 8, HasBatch: 256, Retries: 8, SmallChunk: 256 << 10, BatchBytes: 4 << 20,
		Backoff: 200 * time.Millisecond, MaxBackoff: 5 * time.Second,
		Chunker: chunk.DefaultChunkerConfig(), ProgressEvery: 200 * time.Millisecond,
	}
}

// withDefaults fills zero fields.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Concurrency == 0 {
		c.Concurrency = d.Concurrency
	}
	if c.HasBatch == 0 {
		c.HasBatch = d.HasBatch
	}
	if c.SmallChunk == 0 {
		c.SmallChunk = d.SmallChunk
	}
	if c.BatchBytes == 0 {
		c.BatchBytes = d.BatchBytes
	}
	if c.Retries == 0 {
		c.Retries = d.Retries
	}
	if c.Backoff == 0 {
		c.Backoff = d.Backoff
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = d.MaxBackoff
	}
	if c.Chunker == (chunk.ChunkerConfig{}) {
		c.Chunker = d.Chunker
	}
	if c.MaxInFlight == 0 {
		c.MaxInFlight = int64(c.Concurrency) * 2 * int64(c.Chunker.Max)
	}
	if c.ProgressEvery == 0 {
		c.ProgressEvery = d.ProgressEvery
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate checks the knobs after defaults are applied.
func (c Config) Validate() error {
	c = c.withDefaults()
	if err := c.Chunker.Validate(); err != nil {
		return fmt.Errorf("%w: %v", ErrBadConfig, err)
	}
	switch {
	case c.Concurrency < 1 || c.Concurrency > 1024:
		return fmt.Errorf("%w: concurrency %d not in [1, 1024]", ErrBadConfig, c.Concurrency)
	case c.MaxInFlight < int64(c.Chunker.Max):
		return fmt.Errorf("%w: max in flight %d < chunk max %d", ErrBadConfig, c.MaxInFlight, c.Chunker.Max)
	case c.HasBatch < 1 || c.HasBatch > 10000:
		return fmt.Errorf("%w: has batch %d not in [1, 10000]", ErrBadConfig, c.HasBatch)
	case c.SmallChunk < -1 || c.BatchBytes < 1 || c.BatchBytes > 16<<20:
		return fmt.Errorf("%w: small chunk %d / batch bytes %d (batch in [1, 16 MiB])", ErrBadConfig, c.SmallChunk, c.BatchBytes)
	case c.Retries < -1:
		return fmt.Errorf("%w: retries %d < -1", ErrBadConfig, c.Retries)
	case c.Backoff < 0 || c.MaxBackoff < c.Backoff:
		return fmt.Errorf("%w: backoff %v..%v", ErrBadConfig, c.Backoff, c.MaxBackoff)
	}
	return nil
}
