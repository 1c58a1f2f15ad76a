package audit

import (
	"fmt"
	"log/slog"
	"time"
)

// Config configures a Log. Zero fields take DefaultConfig's values.
type Config struct {
	// Dir holds the segment files (created 0700).
	Dir string
	// Node is recorded on every record whose Node is empty.
	Node string
	// SegmentBytes starts a new segment once the current one is this big
	// (default 64 MiB).
	SegmentBytes int64
	// MaxBytes deletes the oldest segments while all of them together are
	// bigger (default 1 GiB; at least 2 segments' worth).
	MaxBytes int64
	// MaxAge deletes segments whose newest record is older (default 90
	// days; negative: no age limit).
	MaxAge time.Duration
	// QueueSize bounds the records waiting for the writer (default 4096).
	// Submit drops past half of it; Record waits for room.
	QueueSize int
	// BatchSize is the most records written per fsync (default 512).
	BatchSize int
	// WaitTimeout bounds how long Record waits for its record to be on
	// disk (default 5 s).
	WaitTimeout time.Duration
	// Clock is the time source for segment names and retention (default time.Now).
	Clock  func() time.Time
	Logger *slog.Logger
}

// DefaultConfig returns the defaults (Dir must still be set).
func DefaultConfig() Config {
	return Config{
		SegmentBytes: 64 << 20,
		MaxBytes:     1 << 30,
		MaxAge:       90 * 24 * time.Hour,
		QueueSize:    4096,
		BatchSize:    512,
		WaitTimeout:  5 * time.Second,
		Clock:        time.Now,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.SegmentBytes == 0 {
		c.SegmentBytes = d.SegmentBytes
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = max(d.MaxBytes, 2*c.SegmentBytes)
	}
	if c.MaxAge == 0 {
		c.MaxAge = d.MaxAge
	}
	if c.QueueSize == 0 {
		c.QueueSize = d.QueueSize
	}
	if c.BatchSize == 0 {
		c.BatchSize = d.BatchSize
	}
	if c.WaitTimeout == 0 {
		c.WaitTimeout = d.WaitTimeout
	}
	if c.Clock == nil {
		c.Clock = d.Clock
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate checks c after defaults.
func (c Config) Validate() error {
	switch {
	case c.Dir == "":
		return fmt.Errorf("%w config: empty Dir", ErrInvalid)
	case c.SegmentBytes < 4096:
		return fmt.Errorf("%w config: SegmentBytes %d < 4096", ErrInvalid, c.SegmentBytes)
	case c.MaxBytes < 2*c.SegmentBytes:
		return fmt.Errorf("%w config: MaxBytes %d < 2 segments (%d)", ErrInvalid, c.MaxBytes, 2*c.SegmentBytes)
	case c.QueueSize < 2 || c.BatchSize < 1:
		return fmt.Errorf("%w config: QueueSize %d (>= 2), BatchSize %d (>= 1)", ErrInvalid, c.QueueSize, c.BatchSize)
	case c.WaitTimeout < 0:
		return fmt.Errorf("%w config: negative WaitTimeout", ErrInvalid)
	}
	return nil
}
