package cas

import (
	"fmt"
	"log/slog"
	"time"
)

// Config tunes a Service. Start from DefaultConfig; New fills zero-valued
// fields from DefaultConfig, so Config{Logger: l} is a valid configuration.
type Config struct {
	// MaxChunkSize bounds Put; larger chunks return ErrTooLarge.
	MaxChunkSize int
	// HedgeDelay is how long Get waits for outstanding shard requests before
	// asking parity shards as well.
	HedgeDelay time.Duration
	// ShardTimeout bounds each background shard write and each repair attempt.
	ShardTimeout time.Duration
	// RepairBackoffMin and RepairBackoffMax bound the exponential backoff
	// between attempts to write a queued shard.
	RepairBackoffMin, RepairBackoffMax time.Duration
	// RepairParallelism is the number of concurrent repair writes.
	RepairParallelism int
	// MaxPending bounds the repair queue; shards beyond it are dropped (logged
	// at Warn, counted in Stats().DroppedRepairs) and left to the repair scan.
	MaxPending int
	// HasParallelism bounds the concurrent HasShards calls of one Has or
	// fallback scan.
	HasParallelism int
	// NoReadRepairMissing disables queueing a rewrite of a shard that an alive
	// owner of the layout that served a Get reported missing (corrupt shards
	// are always rewritten).
	NoReadRepairMissing bool
	// Logger receives Warn logs for corrupt shards and failed repairs; nil
	// discards.
	Logger *slog.Logger
}

// DefaultConfig returns the production defaults.
func DefaultConfig() Config {
	return Config{
		MaxChunkSize:      16 << 20,
		HedgeDelay:        150 * time.Millisecond,
		ShardTimeout:      30 * time.Second,
		RepairBackoffMin:  200 * time.Millisecond,
		RepairBackoffMax:  30 * time.Second,
		RepairParallelism: 4,
		MaxPending:        100_000,
		HasParallelism:    16,
	}
}

// withDefaults returns c with every zero-valued field taken from
// DefaultConfig (negative values are kept, so Validate rejects them).
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	setZero := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	setZeroD := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	setZero(&c.MaxChunkSize, d.MaxChunkSize)
	setZero(&c.RepairParallelism, d.RepairParallelism)
	setZero(&c.MaxPending, d.MaxPending)
	setZero(&c.HasParallelism, d.HasParallelism)
	setZeroD(&c.HedgeDelay, d.HedgeDelay)
	setZeroD(&c.ShardTimeout, d.ShardTimeout)
	setZeroD(&c.RepairBackoffMin, d.RepairBackoffMin)
	setZeroD(&c.RepairBackoffMax, max(d.RepairBackoffMax, c.RepairBackoffMin))
	return c
}

// Validate checks the bounds.
func (c Config) Validate() error {
	switch {
	case c.MaxChunkSize <= 0 || uint64(c.MaxChunkSize) > 1<<32-1:
		return fmt.Errorf("%w: MaxChunkSize %d", ErrInvalidConfig, c.MaxChunkSize)
	case c.HedgeDelay <= 0:
		return fmt.Errorf("%w: HedgeDelay %v", ErrInvalidConfig, c.HedgeDelay)
	case c.ShardTimeout <= 0:
		return fmt.Errorf("%w: ShardTimeout %v", ErrInvalidConfig, c.ShardTimeout)
	case c.RepairBackoffMin <= 0 || c.RepairBackoffMax < c.RepairBackoffMin:
		return fmt.Errorf("%w: repair backoff %v..%v", ErrInvalidConfig, c.RepairBackoffMin, c.RepairBackoffMax)
	case c.RepairParallelism < 1:
		return fmt.Errorf("%w: RepairParallelism %d", ErrInvalidConfig, c.RepairParallelism)
	case c.MaxPending < 1:
		return fmt.Errorf("%w: MaxPending %d", ErrInvalidConfig, c.MaxPending)
	case c.HasParallelism < 1:
		return fmt.Errorf("%w: HasParallelism %d", ErrInvalidConfig, c.HasParallelism)
	}
	return nil
}
