package suite

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"

	"github.com/datamon-io/datamon/bench/report"
	"github.com/datamon-io/datamon/bench/workload"
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/localcluster"
)

// Env is what figures share during a run. It is used by one figure at a
// time.
type Env struct {
	Cfg     Config
	Profile Profile
	Log     *slog.Logger
	Work    string // scratch directory, removed by Close
	// Results are the measurements so far (ceilings and peers run first).
	Results []report.Measurement

	cluster    *ClusterInfo
	lc         *localcluster.Cluster // the local cluster (nil when remote)
	clusterErr error
	stop       func()

	set     *workload.Set
	mut     workload.Mutation
	setDir  string
	setMut  bool // the files on disk are the mutated version
	smallOK bool
}

// ClusterInfo is how figures reach the cluster under test.
type ClusterInfo struct {
	Endpoints            []string // API base URLs
	S3Endpoint           string
	AccessKey, SecretKey string
	ConfigPath           string // client.yaml
	Local                bool
	NodePIDs             []int // local clusters only (memory figures)
	// RPCAddrs and ClusterSecret reach the nodes' signed internal port
	// (local clusters only: CPU profiles).
	RPCAddrs      []string
	ClusterSecret string
	// NodeIDs and NodeDirs (data dirs) are per node, local clusters only.
	NodeIDs  []string
	NodeDirs []string
	// CAFile and TLS trust a local TLS cluster's CA ("" and nil: plain HTTP).
	CAFile string
	TLS    *tls.Config
}

func newEnv(cfg Config, work string) *Env {
	return &Env{Cfg: cfg, Profile: cfg.Profile, Log: cfg.Logger, Work: work}
}

// Workers is the parallelism for generating data sets.
func (e *Env) Workers() int { return max(2, runtime.NumCPU()) }

// Dir returns (creating) a sub-directory of the work dir.
func (e *Env) Dir(name string) (string, error) {
	d := filepath.Join(e.Work, name)
	if err := os.MkdirAll(d, 0o755); err != nil {
		return "", fmt.Errorf("suite: %w", err)
	}
	return d, nil
}

// Dataset returns the directory holding the mixed data set of the profile,
// generating it on first use; mutated selects the "1 % change" version
// (applied or reverted in place as needed).
func (e *Env) Dataset(ctx context.Context, mutated bool) (string, *workload.Set, workload.Mutation, error) {
	if e.set == nil {
		set, err := workload.New(e.Profile.Dataset)
		if err != nil {
			return "", nil, workload.Mutation{}, err
		}
		dir := filepath.Join(e.Work, "dataset")
		e.Log.Info("generating data set", "bytes", set.Total(), "files", len(set.Files), "dir", dir)
		if err := set.Generate(ctx, dir, e.Workers()); err != nil {
			return "", nil, workload.Mutation{}, err
		}
		e.set, e.mut, e.setDir = set, set.Mutation(), dir
	}
	var err error
	switch {
	case mutated && !e.setMut:
		err = e.set.Apply(ctx, e.setDir, e.mut, e.Workers())
	case !mutated && e.setMut:
		err = e.set.Reset(ctx, e.setDir, e.mut, e.Workers())
	}
	if err != nil {
		e.setMut = true // unknown state: force a reset next time
		return "", nil, workload.Mutation{}, err
	}
	e.setMut = mutated
	return e.setDir, e.set, e.mut, nil
}

// SmallFiles returns the directory of the small-files set, generating it on
// first use.
func (e *Env) SmallFiles(ctx context.Context) (string, []workload.File, error) {
	files, err := workload.SmallFiles(e.Profile.Small)
	if err != nil {
		return "", nil, err
	}
	dir := filepath.Join(e.Work, "smallfiles")
	if !e.smallOK {
		if err := workload.WriteFiles(ctx, dir, files, e.Workers()); err != nil {
			return "", nil, err
		}
		e.smallOK = true
	}
	return dir, files, nil
}

// Client returns an API client of the cluster under test.
func (e *Env) Client(ctx context.Context) (*client.Client, error) {
	ci, err := e.Cluster(ctx)
	if err != nil {
		return nil, err
	}
	cfg := client.DefaultConfig()
	cfg.Endpoints, cfg.AccessKey, cfg.SecretKey = ci.Endpoints, ci.AccessKey, ci.SecretKey
	cfg.Logger = e.Log
	c, err := client.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("suite: client: %w", err)
	}
	return c, nil
}

// Close stops the cluster and removes the work dir (unless KeepWork).
func (e *Env) Close() {
	if e.stop != nil {
		e.stop()
		e.stop = nil
	}
	if e.Cfg.KeepWork {
		e.Log.Info("keeping work dir", "dir", e.Work)
		return
	}
	if err := os.RemoveAll(e.Work); err != nil {
		e.Log.Warn("removing work dir", "dir", e.Work, "err", err)
	}
}

// find returns the successful measurement called name from the results so far.
func (e *Env) find(name string) (report.Measurement, bool) {
	for _, m := range e.Results {
		if m.Name == name && m.Status == report.StatusOK {
			return m, true
		}
	}
	return report.Measurement{}, false
}
