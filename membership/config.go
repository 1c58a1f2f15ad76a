package membership

import (
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"time"

	"github.com/hashicorp/memberlist"
)

// Config configures Start.
type Config struct {
	// Meta is what this node publishes; Meta.ID is the memberlist node name.
	Meta Meta
	// BindAddr/BindPort is where gossip listens (UDP and TCP). Port 0 picks a free port.
	BindAddr string
	BindPort int
	// AdvertiseAddr/AdvertisePort is what other nodes use to reach us; empty/0 → bind address/port.
	AdvertiseAddr string
	AdvertisePort int
	// Secret is the cluster secret; the gossip encryption key is derived from it. Required.
	Secret []byte
	// Join lists existing members (host:port) to join at Start. Empty starts a new cluster.
	Join []string
	// JoinAttempts bounds how often Start tries Join before failing with ErrJoin.
	JoinAttempts int
	// JoinBackoff is the first wait between join attempts; it doubles up to JoinMaxBackoff.
	JoinBackoff    time.Duration
	JoinMaxBackoff time.Duration
	// Fast selects an aggressive timing preset (loopback tests): failures are
	// detected in about a second instead of several.
	Fast bool
	// Optional timing overrides (zero keeps the preset).
	ProbeInterval    time.Duration
	GossipInterval   time.Duration
	PushPullInterval time.Duration
	// DeadNodeReclaimTime lets a dead node's ID rejoin from a different
	// address after this long (zero keeps the preset).
	DeadNodeReclaimTime time.Duration
	// ForgetAfter drops dead and left members from Members() after this
	// long (0: keep them until they rejoin).
	ForgetAfter time.Duration
	// Logger receives memberlist's logs; nil discards them.
	Logger *slog.Logger
}

// DefaultConfig returns a Config with LAN timings and join retries; the caller
// fills Meta, Secret and addresses.
func DefaultConfig() Config {
	return Config{
		BindAddr:       "0.0.0.0",
		BindPort:       7946,
		JoinAttempts:   10,
		JoinBackoff:    200 * time.Millisecond,
		JoinMaxBackoff: 5 * time.Second,
		ForgetAfter:    10 * time.Minute,
	}
}

// Validate reports whether cfg can start a Membership.
func (c Config) Validate() error {
	if err := c.Meta.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if len(c.Secret) == 0 {
		return fmt.Errorf("%w: empty cluster secret", ErrConfig)
	}
	if c.BindPort < 0 || c.BindPort > 65535 || c.AdvertisePort < 0 || c.AdvertisePort > 65535 {
		return fmt.Errorf("%w: port out of range", ErrConfig)
	}
	if c.JoinAttempts < 0 || c.JoinBackoff < 0 || c.JoinMaxBackoff < 0 {
		return fmt.Errorf("%w: negative join retry settings", ErrConfig)
	}
	if c.ProbeInterval < 0 || c.GossipInterval < 0 || c.PushPullInterval < 0 || c.DeadNodeReclaimTime < 0 || c.ForgetAfter < 0 {
		return fmt.Errorf("%w: negative interval", ErrConfig)
	}
	return nil
}

// GossipKey derives the 32-byte AES-256 gossip key from the cluster secret.
func GossipKey(secret []byte) ([]byte, error) {
	k, err := hkdf.Key(sha256.New, secret, nil, "datamon/membership/gossip/v1", 32)
	if err != nil {
		return nil, fmt.Errorf("membership: derive gossip key: %w", err)
	}
	return k, nil
}

// memberlistConfig builds the memberlist configuration (without delegates).
func (c Config) memberlistConfig() (*memberlist.Config, error) {
	mc := memberlist.DefaultLANConfig()
	mc.Name = c.Meta.ID
	if c.BindAddr != "" {
		mc.BindAddr = c.BindAddr
	}
	mc.BindPort = c.BindPort
	mc.AdvertiseAddr = c.AdvertiseAddr
	mc.AdvertisePort = c.AdvertisePort
	mc.DeadNodeReclaimTime = 30 * time.Second
	if c.Fast {
		mc.ProbeInterval = 200 * time.Millisecond
		mc.ProbeTimeout = 100 * time.Millisecond
		mc.GossipInterval = 30 * time.Millisecond
		mc.PushPullInterval = time.Second
		mc.SuspicionMult = 3
		mc.SuspicionMaxTimeoutMult = 2
		mc.TCPTimeout = time.Second
		mc.GossipToTheDeadTime = 2 * time.Second
		mc.DeadNodeReclaimTime = 500 * time.Millisecond
		mc.AwarenessMaxMultiplier = 2
	}
	if c.ProbeInterval > 0 {
		mc.ProbeInterval = c.ProbeInterval
		if mc.ProbeTimeout >= c.ProbeInterval {
			mc.ProbeTimeout = c.ProbeInterval / 2
		}
	}
	if c.GossipInterval > 0 {
		mc.GossipInterval = c.GossipInterval
	}
	if c.PushPullInterval > 0 {
		mc.PushPullInterval = c.PushPullInterval
	}
	if c.DeadNodeReclaimTime > 0 {
		mc.DeadNodeReclaimTime = c.DeadNodeReclaimTime
	}
	key, err := GossipKey(c.Secret)
	if err != nil {
		return nil, err
	}
	kr, err := memberlist.NewKeyring(nil, key)
	if err != nil {
		return nil, fmt.Errorf("membership: keyring: %w", err)
	}
	mc.Keyring = kr
	mc.GossipVerifyIncoming = true
	mc.GossipVerifyOutgoing = true
	return mc, nil
}
