package suite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/localcluster"
)

// Cluster returns the cluster under test: the remote one of the config
// (-config client.yaml or -endpoints), or a local cluster of cfg.Nodes
// `datamon node` processes started on first use and stopped by Close. A
// failure to start is remembered: later figures fail fast with the same
// error.
func (e *Env) Cluster(ctx context.Context) (*ClusterInfo, error) {
	if e.cluster != nil || e.clusterErr != nil {
		return e.cluster, e.clusterErr
	}
	e.cluster, e.clusterErr = e.openCluster(ctx)
	return e.cluster, e.clusterErr
}

func (e *Env) openCluster(ctx context.Context) (*ClusterInfo, error) {
	c := e.Cfg
	if c.ClientConfig != "" {
		fc, err := client.LoadFileConfig(c.ClientConfig)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNoCluster, err)
		}
		return &ClusterInfo{Endpoints: fc.Server, S3Endpoint: fc.S3Endpoint, AccessKey: fc.AccessKey,
			SecretKey: fc.SecretKey, ConfigPath: c.ClientConfig}, nil
	}
	if len(c.Endpoints) > 0 {
		if c.AccessKey == "" || c.SecretKey == "" {
			return nil, fmt.Errorf("%w: -endpoints needs DATAMON_ACCESS_KEY and DATAMON_SECRET_KEY", ErrNoCluster)
		}
		return &ClusterInfo{Endpoints: c.Endpoints, AccessKey: c.AccessKey, SecretKey: c.SecretKey}, nil
	}
	cl, ci, err := e.startLocal(ctx, "cluster", c.Nodes, c.Sites, c.EC, 0)
	if err != nil {
		return nil, err
	}
	e.lc = cl
	e.stop = func() {
		if err := cl.Stop(); err != nil {
			e.Log.Warn("stopping local cluster", "err", err)
		}
	}
	return ci, nil
}

// startLocal starts a local cluster of the given shape in the work
// sub-directory name (voters 0: the node default); the caller stops it
// (cl.Stop). It speaks plain HTTP, like the figures' clients.
func (e *Env) startLocal(ctx context.Context, name string, nodes, sites int, ec string, voters int) (*localcluster.Cluster, *ClusterInfo, error) {
	return e.startLocalWith(ctx, name, nodes, sites, ec, voters, localOptions{})
}

// localOptions are the extras of a figure's own local cluster.
type localOptions struct {
	// TLS gives the cluster a CA (localcluster, as `datamon cluster
	// local` does): mutual TLS between nodes, https on the API and S3.
	// ClusterInfo.TLS and CAFile then let clients trust it.
	TLS bool
	// Extra flags for every node (e.g. --config node.yaml).
	Extra []string
}

func (e *Env) startLocalWith(ctx context.Context, name string, nodes, sites int, ec string, voters int, o localOptions) (*localcluster.Cluster, *ClusterInfo, error) {
	c := e.Cfg
	if c.Binary == "" {
		return nil, nil, Skip("no datamon binary: set DATAMON_BIN (make bench does) or pass -config/-endpoints")
	}
	if _, err := os.Stat(c.Binary); err != nil {
		return nil, nil, Skip(fmt.Sprintf("datamon binary %s: %v", c.Binary, err))
	}
	lc := localcluster.DefaultConfig()
	lc.Nodes, lc.Sites, lc.EC, lc.Voters = nodes, sites, ec, voters
	lc.Dir = filepath.Join(e.Work, name)
	lc.Binary = c.Binary
	lc.TLS = o.TLS
	lc.ExtraArgs = o.Extra
	lc.Logger = e.Log
	e.Log.Info("starting local cluster", "nodes", lc.Nodes, "sites", lc.Sites, "ec", lc.EC, "tls", lc.TLS, "dir", lc.Dir)
	cl, err := localcluster.Start(ctx, lc)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: local cluster: %w", ErrNoCluster, err)
	}
	return cl, localInfo(cl), nil
}

// localInfo describes a local cluster for figures.
func localInfo(cl *localcluster.Cluster) *ClusterInfo {
	ci := &ClusterInfo{Endpoints: cl.APIURLs(), AccessKey: cl.Secrets.AccessKey, SecretKey: cl.Secrets.SecretKey,
		ConfigPath: cl.ClientConfigPath(), Local: true, ClusterSecret: cl.Secrets.ClusterSecret,
		CAFile: cl.CAFile(), TLS: cl.TLSConfig()}
	if len(cl.Nodes) > 0 {
		ci.S3Endpoint = cl.Nodes[0].S3URL()
	}
	for _, n := range cl.Nodes {
		ci.NodePIDs = append(ci.NodePIDs, n.PID())
		ci.RPCAddrs = append(ci.RPCAddrs, n.RPCAddr())
		ci.NodeIDs = append(ci.NodeIDs, n.ID)
		ci.NodeDirs = append(ci.NodeDirs, n.Dir)
	}
	return ci
}

// LocalCluster is the local cluster under test (nil for a remote one or
// before Cluster started it): figures that kill or restart nodes use it.
func (e *Env) LocalCluster() *localcluster.Cluster { return e.lc }

// KillNode SIGKILLs node i of the local cluster.
func (e *Env) KillNode(i int) error {
	if e.lc == nil {
		return Skip("no local cluster: cannot kill a node")
	}
	return e.lc.Kill(i)
}

// RestartNode restarts node i of the local cluster with its data dir.
func (e *Env) RestartNode(i int) error {
	if e.lc == nil {
		return Skip("no local cluster: cannot restart a node")
	}
	return e.lc.Restart(i)
}

// isSkip reports whether err marks a skipped figure.
func isSkip(err error) bool { return errors.Is(err, ErrSkipped) }
