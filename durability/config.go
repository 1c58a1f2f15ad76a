package durability

import (
	"fmt"
	"log/slog"
	"time"
)

// DefaultRepairRate is the repair/rebalance pace when neither the node nor
// the cluster sets one: 64 MiB/s of shard writes per node.
const DefaultRepairRate = 64 << 20

// Config tunes a Service. New fills zero-valued fields from DefaultConfig.
type Config struct {
	// NodeID is the local node (required).
	NodeID string
	// Site and Capacity are reported by Status.
	Site     string
	Capacity uint64
	// RepairDelay is how long a node must be unreachable before its shards
	// are rebuilt elsewhere.
	RepairDelay time.Duration
	// RepairInterval is the pause between two repair/rebalance passes.
	RepairInterval time.Duration
	// RepairRate overrides the cluster setting (bytes/s of shard writes);
	// 0: cluster setting, else DefaultRepairRate.
	RepairRate uint64
	// ScrubInterval is the pause between two scrub passes; negative disables.
	ScrubInterval time.Duration
	// ScrubRate is the scrub read pace in bytes/s.
	ScrubRate uint64
	// LivenessInterval is how often node liveness is sampled.
	LivenessInterval time.Duration
	// SettingsInterval is how often the cluster settings are re-read.
	SettingsInterval time.Duration
	// SeqSampleInterval is how often the store's write sequence is sampled
	// for the GC grace period.
	SeqSampleInterval time.Duration
	// BatchChunks is how many chunks one presence query covers.
	BatchChunks int
	// Parallelism bounds concurrent RPCs of one batch and the chunks one
	// repair batch fixes (moves, rebuilds) at once.
	Parallelism int
	// CallTimeout bounds every shard RPC.
	CallTimeout time.Duration
	// Logger; nil discards.
	Logger *slog.Logger
}

// DefaultConfig returns production defaults (NodeID left empty).
func DefaultConfig() Config {
	return Config{
		RepairDelay:       5 * time.Minute,
		RepairInterval:    time.Minute,
		ScrubInterval:     24 * time.Hour,
		ScrubRate:         32 << 20,
		LivenessInterval:  time.Second,
		SettingsInterval:  10 * time.Second,
		SeqSampleInterval: time.Minute,
		BatchChunks:       256,
		Parallelism:       8,
		CallTimeout:       30 * time.Second,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	dur := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	dur(&c.RepairDelay, d.RepairDelay)
	dur(&c.RepairInterval, d.RepairInterval)
	dur(&c.ScrubInterval, d.ScrubInterval)
	dur(&c.LivenessInterval, d.LivenessInterval)
	dur(&c.SettingsInterval, d.SettingsInterval)
	dur(&c.SeqSampleInterval, d.SeqSampleInterval)
	dur(&c.CallTimeout, d.CallTimeout)
	if c.ScrubRate == 0 {
		c.ScrubRate = d.ScrubRate
	}
	if c.BatchChunks == 0 {
		c.BatchChunks = d.BatchChunks
	}
	if c.Parallelism == 0 {
		c.Parallelism = d.Parallelism
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate checks the config.
func (c Config) Validate() error {
	switch {
	case c.NodeID == "":
		return fmt.Errorf("%w: empty NodeID", ErrInvalidConfig)
	case c.RepairDelay < 0 || c.RepairInterval <= 0 || c.LivenessInterval <= 0 ||
		c.SettingsInterval <= 0 || c.SeqSampleInterval <= 0 || c.CallTimeout <= 0:
		return fmt.Errorf("%w: non-positive interval", ErrInvalidConfig)
	case c.BatchChunks < 1 || c.Parallelism < 1 || c.ScrubRate == 0:
		return fmt.Errorf("%w: BatchChunks %d, Parallelism %d, ScrubRate %d",
			ErrInvalidConfig, c.BatchChunks, c.Parallelism, c.ScrubRate)
	}
	return nil
}
