package runner

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/datamon-io/datamon/jepsen/checker"
	"github.com/datamon-io/datamon/jepsen/history"
)

// BundleClient is the multi-file bundle API the lead implements over the
// product: Commit stores files as one new version of key (a label moved to
// a new bundle in the same step); Read returns the files of the version key
// currently names (found = false when key names nothing yet).
type BundleClient interface {
	Commit(ctx context.Context, key, version string, files map[string][]byte) error
	Read(ctx context.Context, key string) (files map[string][]byte, found bool, err error)
}

// BundleSquasher is optionally implemented by a BundleClient: Squash
// deletes past versions that no key names any more, keeping every version a
// key names (datamon: repo squash --retain-tags), so that every read still
// sees one whole committed version or nothing. Its effect is not checked
// beyond that: it runs to exercise commits and reads next to squashes.
type BundleSquasher interface {
	Squash(ctx context.Context) error
}

// BundleWorkloadConfig configures NewBundleWorkload.
type BundleWorkloadConfig struct {
	Keys      int                                       // bundle keys (labels), default 4
	NewClient func(env WorkloadEnv, p int) BundleClient // client for process p
	Definite  ErrorClass                                // default NeverDefinite
	MinFiles  int                                       // files per version (default 3)
	MaxFiles  int                                       // (default 8)
	Size      int                                       // bytes per file (default 512)
	WriteOne  int                                       // one commit per WriteOne ops (default 3)
	SquashOne int                                       // one squash per SquashOne ops if the client is a BundleSquasher (0: none)
	Pace      time.Duration                             // default 5ms
}

// NewBundleWorkload returns a factory for the bundle workload: clients commit
// versions of a few keys, each MinFiles..MaxFiles files whose contents embed
// the key, the version and the file's sequence number, and read whole
// versions back; CheckBundles requires every read to see one whole committed
// version or nothing.
func NewBundleWorkload(cfg BundleWorkloadConfig) WorkloadFactory {
	if cfg.Keys == 0 {
		cfg.Keys = 4
	}
	if cfg.Definite == nil {
		cfg.Definite = NeverDefinite
	}
	if cfg.MinFiles == 0 {
		cfg.MinFiles = 3
	}
	if cfg.MaxFiles < cfg.MinFiles {
		cfg.MaxFiles = max(8, cfg.MinFiles)
	}
	if cfg.Size == 0 {
		cfg.Size = 512
	}
	if cfg.WriteOne == 0 {
		cfg.WriteOne = 3
	}
	if cfg.Pace == 0 {
		cfg.Pace = 5 * time.Millisecond
	}
	return func(env WorkloadEnv) (Workload, error) { return &bundleWL{cfg: cfg, env: env}, nil }
}

type bundleWL struct {
	cfg BundleWorkloadConfig
	env WorkloadEnv
}

func (w *bundleWL) Name() string { return "bundle" }

// files builds one version: file i holds a header naming key, version and i,
// padded with seeded random bytes.
func (w *bundleWL) files(rng *rand.Rand, key, version string) map[string][]byte {
	n := w.cfg.MinFiles + rng.IntN(w.cfg.MaxFiles-w.cfg.MinFiles+1)
	out := make(map[string][]byte, n)
	for i := range n {
		b := fmt.Appendf(nil, "key=%s version=%s file=%d/%d\n", key, version, i, n)
		for len(b) < w.cfg.Size {
			b = append(b, byte('a'+rng.IntN(26)))
		}
		out[fmt.Sprintf("d%d/f%02d.txt", i%2, i)] = b
	}
	return out
}

func hashes(files map[string][]byte) map[string]string {
	out := make(map[string]string, len(files))
	for f, b := range files {
		out[f] = hash(b)
	}
	return out
}

func (w *bundleWL) Client(ctx context.Context, p int, h *history.History) {
	c := w.cfg.NewClient(w.env, p)
	rng := rand.New(rand.NewPCG(w.env.Seed, uint64(p)+2000))
	for n := 0; ctx.Err() == nil; n++ {
		key := fmt.Sprintf("b%d", rng.IntN(w.cfg.Keys))
		octx, cancel := context.WithTimeout(ctx, w.env.OpTimeout)
		if sq, ok := c.(BundleSquasher); ok && w.cfg.SquashOne > 0 && rng.IntN(w.cfg.SquashOne) == 0 {
			hd := h.Call(p, checker.BundleSquash, "", nil)
			switch err := sq.Squash(octx); {
			case err == nil:
				hd.Ok(nil)
			case w.cfg.Definite(err):
				hd.Fail(nil, err)
			default:
				hd.Info(err)
			}
		} else if rng.IntN(w.cfg.WriteOne) == 0 {
			version := fmt.Sprintf("p%d-%d", p, n)
			files := w.files(rng, key, version)
			hd := h.Call(p, checker.BundleCommit, key, checker.Commit{Version: version, Files: hashes(files)})
			switch err := c.Commit(octx, key, version, files); {
			case err == nil:
				hd.Ok(nil)
			case w.cfg.Definite(err):
				hd.Fail(nil, err)
			default:
				hd.Info(err)
			}
		} else {
			_ = w.read(octx, c, p, h, key)
		}
		cancel()
		select {
		case <-ctx.Done():
		case <-time.After(w.cfg.Pace):
		}
	}
}

func (w *bundleWL) read(ctx context.Context, c BundleClient, p int, h *history.History, key string) error {
	hd := h.Call(p, checker.BundleReadOp, key, nil)
	files, found, err := c.Read(ctx, key)
	if err != nil {
		hd.Fail(nil, err) // reads have no effect
		return err
	}
	out := checker.BundleRead{}
	if found {
		out.Files = hashes(files)
	}
	hd.Ok(out)
	return nil
}

// Final reads every key once.
func (w *bundleWL) Final(ctx context.Context, p int, h *history.History) error {
	c := w.cfg.NewClient(w.env, p)
	for i := range w.cfg.Keys {
		octx, cancel := context.WithTimeout(ctx, 5*w.env.OpTimeout)
		err := w.read(octx, c, p, h, fmt.Sprintf("b%d", i))
		cancel()
		if err != nil {
			return fmt.Errorf("runner: final bundle read b%d: %w", i, err)
		}
	}
	return nil
}

func (w *bundleWL) Check(ops []history.Op, _ string) []checker.Result {
	return []checker.Result{checker.CheckBundles(ops)}
}
