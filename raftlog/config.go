package raftlog

import (
	"fmt"
	"log/slog"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// Config configures Open.
type Config struct {
	// Dir is the directory of this node's Pebble database. It is created if
	// missing and must not be shared with any other Pebble database.
	Dir string
	// FS is the filesystem Pebble runs on: vfs.Default in production,
	// vfs.NewMem() or vfs.NewCrashableMem() in tests. nil means vfs.Default.
	FS vfs.FS
	// Logger receives Pebble's log lines and store events. nil discards.
	Logger *slog.Logger
}

// DefaultConfig returns a Config on the real filesystem; Dir must still be set.
func DefaultConfig() Config {
	return Config{FS: vfs.Default}
}

// Validate reports whether cfg can be opened.
func (c Config) Validate() error {
	if c.Dir == "" {
		return fmt.Errorf("%w: Dir is empty", ErrInvalidConfig)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.FS == nil {
		c.FS = vfs.Default
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}
