package raftmeta

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/model"
)

// MaxCommandSize bounds one encoded Raft command; larger requests fail with
// model.ErrInvalid before they reach the log.
const MaxCommandSize = 1 << 20

// Config configures New.
type Config struct {
	// NodeID is this server's raft ID; it must match its Server.ID in Members.
	NodeID string
	// Dir is the FSM's Pebble directory (its own; not shared with raftlog).
	Dir string
	// FS is the filesystem for the FSM: vfs.Default, or vfs.NewMem() in tests.
	FS vfs.FS
	// BootstrapExpect is how many alive servers must be visible before the
	// first BootstrapExpect (by sorted ID) form the group. 0 disables
	// bootstrap: the node waits to be added by an existing leader.
	BootstrapExpect int
	// Voters is the voter target: 3, or 5 (used once >= 5 servers exist).
	Voters int
	// Policy is the initial EC policy; nil means layout.DefaultPolicy(#nodes).
	Policy *layout.Policy
	// RootKey is installed at bootstrap if no key with its ID exists (its
	// secret sealed like every other, see seal.go).
	RootKey *model.AccessKey
	// Secret is the cluster secret (at least MinSecretLen bytes, the same
	// on every member): access key secrets are sealed at rest with a key
	// derived from it (seal.go). Changing it makes stored secrets unreadable.
	Secret []byte
	// Clock stamps command times on the leader. nil means time.Now.
	Clock func() time.Time
	// Logger receives raft's and this package's logs. nil discards.
	Logger *slog.Logger

	// Raft timings (see raft.Config).
	HeartbeatTimeout   time.Duration
	ElectionTimeout    time.Duration
	LeaderLeaseTimeout time.Duration
	CommitTimeout      time.Duration
	SnapshotInterval   time.Duration
	SnapshotThreshold  uint64
	TrailingLogs       uint64

	// Fast replaces the raft timings and the reconcile interval with short
	// ones (tests, local clusters); explicit timing fields are ignored then.
	Fast bool
	// KeepTimings keeps the Raft timing fields as given even with Fast
	// (local clusters derive them from measured latencies).
	KeepTimings bool

	// ApplyTimeout bounds one raft.Apply when ctx has no deadline.
	ApplyTimeout time.Duration
	// ReconcileInterval is the period of the bootstrap and reconcile loops.
	ReconcileInterval time.Duration
	// DedupWindow is how many log indexes a request ID is remembered for
	// duplicate suppression of retried commands.
	DedupWindow uint64
	// RequestWindow and RequestMaxAge bound how many client request
	// outcomes are remembered and for how long (by the leader-stamped
	// command time); a resend after either gets model.ErrRequestExpired.
	// The leader stamps them into each command, so replicas agree even
	// when their configs differ (request.go).
	RequestWindow uint64
	RequestMaxAge time.Duration
}

// DefaultConfig returns production defaults; NodeID and Dir must be set.
func DefaultConfig() Config {
	return Config{
		FS:                 vfs.Default,
		Voters:             3,
		HeartbeatTimeout:   1000 * time.Millisecond,
		ElectionTimeout:    1000 * time.Millisecond,
		LeaderLeaseTimeout: 500 * time.Millisecond,
		CommitTimeout:      50 * time.Millisecond,
		SnapshotInterval:   120 * time.Second,
		SnapshotThreshold:  8192,
		TrailingLogs:       10240,
		ApplyTimeout:       10 * time.Second,
		ReconcileInterval:  time.Second,
		DedupWindow:        100000,
		RequestWindow:      50000,
		RequestMaxAge:      time.Hour,
	}
}

// Validate reports whether cfg is usable.
func (c Config) Validate() error {
	switch {
	case c.NodeID == "":
		return fmt.Errorf("%w: NodeID is empty", ErrInvalidConfig)
	case c.Dir == "":
		return fmt.Errorf("%w: Dir is empty", ErrInvalidConfig)
	case c.BootstrapExpect < 0:
		return fmt.Errorf("%w: BootstrapExpect %d < 0", ErrInvalidConfig, c.BootstrapExpect)
	case c.Voters != 0 && c.Voters != 3 && c.Voters != 5:
		return fmt.Errorf("%w: Voters must be 3 or 5, got %d", ErrInvalidConfig, c.Voters)
	}
	if c.Policy != nil {
		if err := c.Policy.Validate(); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
	}
	if len(c.Secret) < MinSecretLen {
		return fmt.Errorf("%w: Secret (the cluster secret) must be at least %d bytes, got %d", ErrInvalidConfig, MinSecretLen, len(c.Secret))
	}
	if c.RootKey != nil && (c.RootKey.ID == "" || c.RootKey.Secret == "") {
		return fmt.Errorf("%w: RootKey needs an ID and a secret", ErrInvalidConfig)
	}
	return nil
}

// withDefaults fills zero fields from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.FS == nil {
		c.FS = d.FS
	}
	if c.Voters == 0 {
		c.Voters = d.Voters
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Fast {
		if !c.KeepTimings {
			c.HeartbeatTimeout, c.ElectionTimeout = 200*time.Millisecond, 200*time.Millisecond
			c.LeaderLeaseTimeout, c.CommitTimeout = 100*time.Millisecond, 10*time.Millisecond
		}
		c.ReconcileInterval = 200 * time.Millisecond
	}
	setDur := func(p *time.Duration, v time.Duration) {
		if *p <= 0 {
			*p = v
		}
	}
	setDur(&c.HeartbeatTimeout, d.HeartbeatTimeout)
	setDur(&c.ElectionTimeout, d.ElectionTimeout)
	setDur(&c.LeaderLeaseTimeout, d.LeaderLeaseTimeout)
	setDur(&c.CommitTimeout, d.CommitTimeout)
	setDur(&c.SnapshotInterval, d.SnapshotInterval)
	setDur(&c.ApplyTimeout, d.ApplyTimeout)
	setDur(&c.ReconcileInterval, d.ReconcileInterval)
	if c.SnapshotThreshold == 0 {
		c.SnapshotThreshold = d.SnapshotThreshold
	}
	if c.TrailingLogs == 0 {
		c.TrailingLogs = d.TrailingLogs
	}
	if c.RequestWindow == 0 {
		c.RequestWindow = d.RequestWindow
	}
	if c.RequestMaxAge < time.Millisecond {
		c.RequestMaxAge = d.RequestMaxAge
	}
	if c.DedupWindow == 0 {
		c.DedupWindow = d.DedupWindow
	}
	return c
}
