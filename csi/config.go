package csi

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DefaultName is the driver name registered with the kubelet (the CSIDriver
// object's name).
const DefaultName = "csi.datamon.io"

// Sentinel errors.
var (
	ErrConfig = errors.New("csi: invalid config")
	ErrVolume = errors.New("csi: invalid volume")
	ErrMount  = errors.New("csi: mount failed")
	ErrCommit = errors.New("csi: commit failed")
)

// Config configures a Driver.
type Config struct {
	// Name is the driver name (DefaultName).
	Name string
	// Version is reported by GetPluginInfo.
	Version string
	// NodeID names this node (the Kubernetes node name).
	NodeID string
	// Endpoint is the Unix socket the driver serves: unix:///path or /path.
	Endpoint string
	// StateDir holds the mount records, staging directories and logs of
	// the FUSE processes. It must outlive the driver (a hostPath).
	StateDir string
	// Binary is the datamon executable the FUSE processes run
	// (default: this executable).
	Binary string
	// Server is the cluster API URL list (comma-separated) the FUSE
	// processes use unless a volume's secret names one (key "server").
	Server string
	// CAFile, when set, is the CA the FUSE processes verify the API with.
	CAFile string
	// MountTimeout bounds one publish (the mount becoming live).
	MountTimeout time.Duration
	// CommitTimeout bounds one unpublish (unmount, commit of a read-write
	// volume). The kubelet retries an unpublish that ran out of it.
	CommitTimeout time.Duration
	// MaxVolumesPerNode is reported by NodeGetInfo (0: no limit).
	MaxVolumesPerNode int64
	Logger            *slog.Logger
}

// DefaultConfig: the driver name, 2 minutes to mount, 10 to unpublish.
func DefaultConfig() Config {
	return Config{Name: DefaultName, Version: "devel", MountTimeout: 2 * time.Minute, CommitTimeout: 10 * time.Minute}
}

// Validate checks c and fills defaults.
func (c *Config) Validate() error {
	switch {
	case c.Name == "" || strings.ContainsAny(c.Name, " /"):
		return fmt.Errorf("%w: driver name %q", ErrConfig, c.Name)
	case c.NodeID == "":
		return fmt.Errorf("%w: node ID is required (--node-id, usually the Kubernetes node name)", ErrConfig)
	case c.Endpoint == "":
		return fmt.Errorf("%w: endpoint is required (unix:///path/csi.sock)", ErrConfig)
	case c.StateDir == "":
		return fmt.Errorf("%w: state dir is required", ErrConfig)
	case c.MountTimeout <= 0 || c.CommitTimeout <= 0:
		return fmt.Errorf("%w: timeouts must be positive", ErrConfig)
	}
	if c.Binary == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("%w: datamon binary: %v", ErrConfig, err)
		}
		c.Binary = exe
	}
	abs, err := filepath.Abs(c.StateDir)
	if err != nil {
		return fmt.Errorf("%w: state dir: %v", ErrConfig, err)
	}
	c.StateDir = abs
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// socketPath turns the endpoint into a file path.
func (c *Config) socketPath() (string, error) {
	p, ok := strings.CutPrefix(c.Endpoint, "unix://")
	if !ok && strings.Contains(c.Endpoint, "://") {
		return "", fmt.Errorf("%w: endpoint %q: only unix:// sockets", ErrConfig, c.Endpoint)
	}
	if p == "" {
		return "", fmt.Errorf("%w: endpoint %q has no path", ErrConfig, c.Endpoint)
	}
	return p, nil
}
