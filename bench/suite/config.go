package suite

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
)

// Sentinel errors.
var (
	ErrConfig = errors.New("suite: invalid config")
	// ErrSkipped marks a figure that did not run; its text is the reason.
	ErrSkipped = errors.New("skipped")
	// ErrNoCluster: no cluster could be started or reached.
	ErrNoCluster = errors.New("suite: no cluster")
)

// Skip returns an error that records the figure as skipped for reason.
func Skip(reason string) error { return fmt.Errorf("%w: %s", ErrSkipped, reason) }

// Config configures a run.
type Config struct {
	Profile Profile
	OutDir  string // results directory (bench/results)
	WorkDir string // scratch space on the disk under test; default OutDir/.work-<stamp>
	RepoDir string // git checkout for the commit ID (default ".")
	Binary  string // datamon binary (DATAMON_BIN) for the local cluster
	Nodes   int    // local cluster nodes (default 3)
	Sites   int    // local cluster sites (default min(3, Nodes))
	EC      string // "K+M"; empty: the cluster's default
	// Endpoints / ClientConfig select a running (remote) cluster instead of
	// starting a local one. ClientConfig is a client.yaml; Endpoints need
	// AccessKey/SecretKey.
	Endpoints            []string
	ClientConfig         string
	AccessKey, SecretKey string
	SkipPeers            bool
	Install              bool   // apt-get install missing peers when root
	MinioBin             string // MINIO_BIN
	Only                 []string
	KeepWork             bool // leave the work dir (debugging)
	Logger               *slog.Logger
}

// DefaultConfig is the quick profile into bench/results with a 3-node,
// 3-site local cluster.
func DefaultConfig() Config {
	return Config{Profile: Quick(), OutDir: filepath.Join("bench", "results"), RepoDir: ".",
		Nodes: 3, Install: true}
}

// Validate fills defaults.
func (c *Config) Validate() error {
	if c.Profile.Name == "" {
		c.Profile = Quick()
	}
	if c.OutDir == "" {
		return fmt.Errorf("%w: no output directory", ErrConfig)
	}
	if c.RepoDir == "" {
		c.RepoDir = "."
	}
	if c.Nodes == 0 {
		c.Nodes = 3
	}
	if c.Sites == 0 {
		c.Sites = min(3, c.Nodes)
	}
	if c.Nodes < 1 || c.Sites < 1 || c.Sites > c.Nodes {
		return fmt.Errorf("%w: %d nodes over %d sites", ErrConfig, c.Nodes, c.Sites)
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(c.OutDir, 0o755); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return nil
}

// remote reports whether the run targets an existing cluster.
func (c *Config) remote() bool { return len(c.Endpoints) > 0 || c.ClientConfig != "" }
