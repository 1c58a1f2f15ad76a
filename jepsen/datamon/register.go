package datamon

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"sort"
	"sync"
	"time"

	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/jepsen/checker"
	"github.com/datamon-io/datamon/jepsen/history"
	"github.com/datamon-io/datamon/jepsen/proxy"
	"github.com/datamon-io/datamon/jepsen/runner"
	"github.com/datamon-io/datamon/manifest"
	"github.com/datamon-io/datamon/model"
)

// labelRegister implements runner.RegisterClient over labels of one repo.
type labelRegister struct {
	c          trier
	ctxN, repo string
	stale      bool // negative control: reads from the node's local state
}

func (r labelRegister) Get(ctx context.Context, key string) (string, bool, error) {
	if r.stale {
		ctx = client.Stale(ctx)
	}
	var l model.Label
	err := r.c.try(ctx, func(c *client.Client) (err error) {
		l, err = c.GetLabel(ctx, r.ctxN, r.repo, key)
		return err
	})
	switch {
	case errors.Is(err, model.ErrNotFound):
		return "", false, nil
	case err != nil:
		return "", false, err
	}
	return l.BundleID, true, nil
}

func (r labelRegister) set(ctx context.Context, key, value string, opt client.LabelOptions) (bool, error) {
	err := r.c.try(ctx, func(c *client.Client) error {
		_, err := c.SetLabel(ctx, r.ctxN, r.repo, key, value, opt)
		return err
	})
	if errors.Is(err, model.ErrPrecondition) {
		return false, nil // evaluated by the raft apply: a linearizable "no"
	}
	return err == nil, err
}

func (r labelRegister) Set(ctx context.Context, key, value string) error {
	_, err := r.set(ctx, key, value, client.LabelOptions{})
	return err
}

func (r labelRegister) CAS(ctx context.Context, key, expect, value string) (bool, error) {
	if expect == "" {
		return false, fmt.Errorf("%w: cas needs an expected bundle ID", errNotSent)
	}
	return r.set(ctx, key, value, client.LabelOptions{IfMatch: expect})
}

func (r labelRegister) Create(ctx context.Context, key, value string) (bool, error) {
	return r.set(ctx, key, value, client.LabelOptions{IfNotExists: true})
}

// pool hands out bundle IDs as register values: the n-th write to a key
// takes the key's next pool entry, so values are unique per key until the
// pool wraps.
type pool struct {
	ids  []string
	mu   sync.Mutex
	next map[string]int
}

func (p *pool) value(key string, _, _ int) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	n, ok := p.next[key]
	if !ok {
		h := fnv.New32a()
		_, _ = h.Write([]byte(key))
		n = int(h.Sum32() % uint32(len(p.ids))) // spread the keys' starting points
	}
	p.next[key] = n + 1
	return p.ids[n%len(p.ids)]
}

// ensureRepo creates ctxN/repo if needed. Right after the nodes answer
// /healthz the cluster may still be electing its first leader or applying
// the bootstrap (root key), so the context creation is retried for a while.
func ensureRepo(ctx context.Context, c *client.Client, ctxN, repo string) error {
	for {
		_, err := c.CreateContext(ctx, model.Context{Name: ctxN})
		if err == nil || errors.Is(err, model.ErrExists) {
			break
		}
		// Setup: any failure (no leader yet, root key not applied yet, a
		// reset or timed-out connection) is retried; a create that did
		// apply comes back as ErrExists. Invalid input is not retried.
		if errors.Is(err, model.ErrInvalid) || errors.Is(err, model.ErrPermission) || ctx.Err() != nil {
			return fmt.Errorf("datamon: create context %s: %w", ctxN, err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(250 * time.Millisecond):
		}
	}
	if _, err := c.CreateRepo(ctx, model.Repo{Context: ctxN, Name: repo, Description: "jepsen"}); err != nil && !errors.Is(err, model.ErrExists) {
		return fmt.Errorf("datamon: create repo %s/%s: %w", ctxN, repo, err)
	}
	return nil
}

// buildManifest stores files (path → content) and their manifest; it
// returns the manifest root.
func buildManifest(ctx context.Context, put manifest.ChunkPutter, files map[string][]byte) (manifest.Root, error) {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	w := manifest.NewWriter(ctx, put, manifest.DefaultWriterConfig())
	now := time.Now().UnixNano()
	for _, p := range paths {
		b := files[p]
		id, err := put.PutChunk(ctx, b)
		if err != nil {
			return manifest.Root{}, fmt.Errorf("datamon: put %s: %w", p, err)
		}
		e := manifest.Entry{Path: p, Type: manifest.File, Size: int64(len(b)), Mode: 0o644, MTime: now,
			Chunks: []manifest.ChunkRef{{ID: id, Size: uint32(len(b))}}}
		if err := w.Add(e); err != nil {
			return manifest.Root{}, fmt.Errorf("datamon: manifest add %s: %w", p, err)
		}
	}
	return w.Close()
}

// commitPool commits n bundles (sharing one tiny manifest) to ctxN/repo and
// returns their IDs.
func commitPool(ctx context.Context, c *client.Client, ctxN, repo string, n int) ([]string, error) {
	root, err := buildManifest(ctx, c, map[string][]byte{"pool.txt": []byte("jepsen register value pool\n")})
	if err != nil {
		return nil, err
	}
	ids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			b, err := c.CommitBundle(ctx, model.Bundle{Context: ctxN, Repo: repo, Message: fmt.Sprintf("pool %d", i),
				ManifestRoot: root.ID, FileCount: root.Files, ByteCount: root.Bytes}, "")
			ids[i], errs[i] = b.ID, err
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("datamon: commit value pool: %w", err)
	}
	return ids, nil
}

// registerFactory sets up the repo and the value pool, then builds the
// generic register workload over labels.
func registerFactory(cfg Config) runner.WorkloadFactory {
	return func(env runner.WorkloadEnv) (runner.Workload, error) {
		nodes := apis(env.Cluster)
		sc, err := setupClient(env.Dial, nodes)
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := ensureRepo(ctx, sc, cfg.Context, cfg.LabelRepo); err != nil {
			return nil, err
		}
		ids, err := commitPool(ctx, sc, cfg.Context, cfg.LabelRepo, cfg.Pool)
		if err != nil {
			return nil, err
		}
		env.Logger.Info("datamon: register value pool committed", "bundles", len(ids))
		p := &pool{ids: ids, next: map[string]int{}}
		dial, addrs := dialFunc(env.Dial), nodes
		var proxies []*proxy.Proxy
		if cfg.ResetProb > 0 {
			// Clients reach each node through a proxy (127.0.0.1, root
			// namespace) that resets connections at random.
			var d net.Dialer
			dial, addrs = d.DialContext, nil
			for i, api := range nodes {
				px, err := proxy.New(ctx, proxy.Config{Target: api, Dial: env.Dial, Seed: env.Seed + uint64(i), Logger: env.Logger})
				if err != nil {
					closeProxies(proxies)
					return nil, err
				}
				px.Set(proxy.Faults{ResetProb: cfg.ResetProb})
				proxies, addrs = append(proxies, px), append(addrs, px.Addr())
			}
		}
		w, err := runner.NewRegisterWorkload(runner.RegisterWorkloadConfig{
			Keys: cfg.Labels, Definite: Definite, Value: p.value,
			NewClient: func(env runner.WorkloadEnv, proc int) runner.RegisterClient {
				var c trier = newCaller(dial, addrs, proc, env.OpTimeout)
				if cfg.ClientRetries.on(proc) {
					c = newRetrier(dial, addrs, proc, env.OpTimeout)
				}
				return labelRegister{c: c, ctxN: cfg.Context, repo: cfg.LabelRepo, stale: cfg.StaleReads}
			},
		})(env)
		if err != nil || proxies == nil {
			return w, err
		}
		return proxied{Workload: w, proxies: proxies}, nil
	}
}

// proxied closes its proxies once the history is checked (the last call a
// workload gets).
type proxied struct {
	runner.Workload
	proxies []*proxy.Proxy
}

func (w proxied) Check(ops []history.Op, dir string) []checker.Result {
	closeProxies(w.proxies)
	return w.Workload.Check(ops, dir)
}

func closeProxies(ps []*proxy.Proxy) {
	for _, p := range ps {
		_ = p.Close()
	}
}
