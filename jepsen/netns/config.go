package netns

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
)

// Mode selects how the test network is built.
type Mode string

// Modes: auto picks netns when Supported() succeeds, else loopback.
const (
	ModeAuto     Mode = "auto"
	ModeNetns    Mode = "netns"
	ModeLoopback Mode = "loopback"
)

// Config configures Create.
type Config struct {
	Nodes    int          // number of node namespaces / addresses (default 5)
	Mode     Mode         // auto (default), netns or loopback
	Prefix   string       // namespace name prefix, unique per run (default "jp<pid36><2 random>")
	StateDir string       // ledger dir (default DefaultStateDir)
	Logger   *slog.Logger // nil → discard
}

// DefaultConfig returns the defaults. The prefix mixes in randomness: PIDs
// repeat across PID namespaces (containers, `unshare -p`).
func DefaultConfig() Config {
	prefix := "jp" + strconv.FormatInt(int64(os.Getpid()), 36) + strconv.FormatInt(int64(36+rand.IntN(36*35)), 36)
	return Config{Nodes: 5, Mode: ModeAuto, Prefix: prefix, StateDir: DefaultStateDir}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Nodes == 0 {
		c.Nodes = d.Nodes
	}
	if c.Mode == "" {
		c.Mode = d.Mode
	}
	if c.Prefix == "" {
		c.Prefix = d.Prefix
	}
	if c.StateDir == "" {
		c.StateDir = d.StateDir
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate checks the configuration.
func (c Config) Validate() error {
	c = c.withDefaults()
	if c.Nodes < 1 || c.Nodes > 200 {
		return fmt.Errorf("netns: nodes %d out of range 1..200", c.Nodes)
	}
	switch c.Mode {
	case ModeAuto, ModeNetns, ModeLoopback:
	default:
		return fmt.Errorf("netns: unknown mode %q", c.Mode)
	}
	if len(c.Prefix) > 12 {
		return fmt.Errorf("netns: prefix %q longer than 12", c.Prefix)
	}
	return nil
}
