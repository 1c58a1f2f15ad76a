package datamon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/jepsen/runner"
	"github.com/datamon-io/datamon/manifest"
	"github.com/datamon-io/datamon/model"
)

// bundles implements runner.BundleClient: a key is a label of one repo.
type bundles struct {
	c          trier
	ctxN, repo string
}

// chunks adapts a caller to manifest's putter/getter seams.
type chunks struct {
	c trier
}

func (s chunks) PutChunk(ctx context.Context, data []byte) (chunk.ID, error) {
	var id chunk.ID
	err := s.c.try(ctx, func(c *client.Client) (err error) {
		id, err = c.PutChunk(ctx, data)
		return err
	})
	return id, err
}

func (s chunks) GetChunk(ctx context.Context, id chunk.ID) ([]byte, error) {
	var b []byte
	err := s.c.try(ctx, func(c *client.Client) (err error) {
		b, err = c.GetChunk(ctx, id)
		return err
	})
	return b, err
}

// Commit stores the files and commits them as a bundle that moves the label
// key. Failures before the commit request leave no bundle: they are definite.
func (b bundles) Commit(ctx context.Context, key, version string, files map[string][]byte) error {
	root, err := buildManifest(ctx, chunks{b.c}, files)
	if err != nil {
		return fmt.Errorf("%w (before commit): %w", errNotSent, err)
	}
	return b.c.try(ctx, func(c *client.Client) error {
		_, err := c.CommitBundle(ctx, model.Bundle{Context: b.ctxN, Repo: b.repo, Message: key + " " + version,
			ManifestRoot: root.ID, FileCount: root.Files, ByteCount: root.Bytes}, key)
		return err
	})
}

// Squash squashes the repo keeping the newest bundle and every labelled
// one (repo squash --retain-tags): every key keeps naming a whole version.
// The server takes the horizon (the newest bundle when it receives the
// request); commits racing it are judged in the Raft FSM, never lost.
func (b bundles) Squash(ctx context.Context) error {
	return b.c.try(ctx, func(c *client.Client) error {
		_, err := c.SquashRepo(ctx, b.ctxN, b.repo, model.SquashRequest{RetainLatest: 1, RetainTags: true})
		return err
	})
}

// Read resolves the label (linearizable), then reads the bundle's manifest
// and every file.
func (b bundles) Read(ctx context.Context, key string) (map[string][]byte, bool, error) {
	var l model.Label
	err := b.c.try(ctx, func(c *client.Client) (err error) {
		l, err = c.GetLabel(ctx, b.ctxN, b.repo, key)
		return err
	})
	if errors.Is(err, model.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	var bd model.Bundle
	if err := b.c.try(ctx, func(c *client.Client) (err error) {
		bd, err = c.GetBundle(ctx, b.ctxN, b.repo, l.BundleID)
		return err
	}); err != nil {
		return nil, false, fmt.Errorf("datamon: bundle %s of label %s: %w", l.BundleID, key, err)
	}
	get := chunks{b.c}
	r, err := manifest.Open(ctx, get, bd.ManifestRoot)
	if err != nil {
		return nil, false, fmt.Errorf("datamon: manifest of %s: %w", bd.ID, err)
	}
	files := map[string][]byte{}
	err = r.Walk(ctx, "", func(e manifest.Entry) error {
		if e.Type != manifest.File {
			return nil
		}
		var buf bytes.Buffer
		for _, ref := range e.Chunks {
			d, err := get.GetChunk(ctx, ref.ID)
			if err != nil {
				return fmt.Errorf("datamon: %s of bundle %s: %w", e.Path, bd.ID, err)
			}
			buf.Write(d)
		}
		files[e.Path] = buf.Bytes()
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return files, true, nil
}

// bundleFactory sets up the repo and builds the generic bundle workload.
func bundleFactory(cfg Config) runner.WorkloadFactory {
	return func(env runner.WorkloadEnv) (runner.Workload, error) {
		nodes := apis(env.Cluster)
		sc, err := setupClient(env.Dial, nodes)
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := ensureRepo(ctx, sc, cfg.Context, cfg.BundleRepo); err != nil {
			return nil, err
		}
		return runner.NewBundleWorkload(runner.BundleWorkloadConfig{
			Keys: cfg.BundleLabels, Definite: Definite, SquashOne: 25,
			NewClient: func(env runner.WorkloadEnv, proc int) runner.BundleClient {
				var c trier = newCaller(env.Dial, nodes, proc, env.OpTimeout)
				if cfg.ClientRetries.on(proc) {
					c = newRetrier(env.Dial, nodes, proc, env.OpTimeout)
				}
				return bundles{c: c, ctxN: cfg.Context, repo: cfg.BundleRepo}
			},
		})(env)
	}
}
