package localcluster

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"
)

// Config describes a local cluster.
type Config struct {
	Nodes int    // number of node processes (>= 1)
	Sites int    // number of sites, assigned round-robin (>= 1, <= Nodes)
	Dir   string // working directory: one data dir per node, logs, client.yaml
	// Binary is the datamon executable to spawn.
	Binary string
	// BasePort: node i listens on BasePort+10*i+{0 gossip, 1 rpc, 2 raft, 3 api, 4 s3}.
	// Zero picks free ports.
	BasePort int
	// EC is the erasure policy "K+M"; empty lets the cluster choose from its size.
	EC string
	// Voters is the Raft voter target (default 3; 5 when Nodes >= 5 and set).
	Voters int
	// ExtraArgs are appended to every node's command line.
	ExtraArgs []string
	// ReadyTimeout is how long Start waits without progress (a node
	// answering, learning the leader, applying the layout) before it gives
	// up; every step of progress restarts it (wait.go).
	ReadyTimeout time.Duration
	// ReadyCeiling bounds the whole wait, progress or not (0: 10 minutes).
	ReadyCeiling time.Duration
	// TLS gives the cluster a CA and every node a certificate: mutual TLS
	// between nodes, https on the API and S3 (tls.go). DefaultConfig: on.
	TLS bool
	// Env is added to every node process's environment.
	Env    []string
	Logger *slog.Logger
	// Out receives human-readable progress (nil: discarded).
	Out io.Writer
}

// ErrConfig reports an invalid Config.
var ErrConfig = errors.New("localcluster: invalid config")

// DefaultConfig is 3 nodes on 3 sites with free ports and TLS.
func DefaultConfig() Config {
	return Config{Nodes: 3, Sites: 3, ReadyTimeout: 60 * time.Second, TLS: true}
}

// Validate checks and completes c.
func (c *Config) Validate() error {
	if c.Nodes < 1 {
		return fmt.Errorf("%w: need at least one node", ErrConfig)
	}
	if c.Sites < 1 || c.Sites > c.Nodes {
		return fmt.Errorf("%w: sites must be between 1 and the node count", ErrConfig)
	}
	if c.Dir == "" || c.Binary == "" {
		return fmt.Errorf("%w: dir and binary are required", ErrConfig)
	}
	if c.ReadyTimeout == 0 {
		c.ReadyTimeout = 60 * time.Second
	}
	if c.ReadyCeiling == 0 {
		c.ReadyCeiling = 10 * time.Minute
	}
	if c.ReadyTimeout < 0 || c.ReadyCeiling < c.ReadyTimeout {
		return fmt.Errorf("%w: ready timeout must be positive and at most the ready ceiling", ErrConfig)
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Out == nil {
		c.Out = io.Discard
	}
	return nil
}
