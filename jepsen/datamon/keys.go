package datamon

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/jepsen/checker"
	"github.com/datamon-io/datamon/jepsen/history"
	"github.com/datamon-io/datamon/jepsen/runner"
	"github.com/datamon-io/datamon/model"
)

// keysUser owns the keys of the keys workload.
const keysUser = "jepsen-keys"

// keysWL is the identity workload: each client cycles through an access
// key's life — create (root, through the API), S3 PUTs with it, a
// rotation without grace, PUTs with the old and the new secret, a delete,
// PUTs with the deleted key — while the nemeses run. checker.CheckKeys
// then requires that no secret authorises a PUT invoked after its
// revocation (rotation or delete) was acknowledged, and that no such
// PUT's object is stored.
type keysWL struct {
	cfg     Config
	env     runner.WorkloadEnv
	s3nodes []string
	apis    []string
}

// keysFactory creates the bucket (repo cfg.KeyRepo) and the keys' user.
func keysFactory(cfg Config) runner.WorkloadFactory {
	return func(env runner.WorkloadEnv) (runner.Workload, error) {
		w := &keysWL{cfg: cfg, env: env, apis: apis(env.Cluster)}
		for _, n := range env.Cluster.Nodes() {
			w.s3nodes = append(w.s3nodes, n.Endpoints().S3)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		sc, err := setupClient(env.Dial, w.apis)
		if err != nil {
			return nil, err
		}
		if err := ensureRepo(ctx, sc, cfg.Context, cfg.KeyRepo); err != nil {
			return nil, err
		}
		for {
			_, err := sc.CreateUser(ctx, keysUser, "")
			if err == nil || errors.Is(err, model.ErrExists) {
				return w, nil
			}
			if ctx.Err() != nil {
				return nil, fmt.Errorf("datamon: keys: create user: %w", err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}

func (w *keysWL) Name() string { return "keys" }

// record finishes an op from err: ok, fail (definitely not applied) or info.
func record(hd *history.Handle, err error, definite func(error) bool) {
	switch {
	case err == nil:
		hd.Ok(nil)
	case definite(err):
		hd.Fail(nil, err)
	default:
		hd.Info(err)
	}
}

func (w *keysWL) Client(ctx context.Context, p int, h *history.History) {
	// The harness's failover (nothing sent, or NotServing), no resends: an
	// admin call's outcome is then exactly what the client says.
	admin := newCaller(w.env.Dial, w.apis, p, w.env.OpTimeout)
	for n := 0; ctx.Err() == nil; n++ {
		w.cycle(ctx, p, n, admin, h)
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// cycle is one key's life; it stops early when an admin op's outcome is
// not known (the later steps would check nothing).
func (w *keysWL) cycle(ctx context.Context, p, n int, admin *caller, h *history.History) {
	op := func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, w.env.OpTimeout) }
	octx, cancel := op()
	hd := h.Call(p, checker.KeyCreate, "", nil)
	var ks client.KeySecret
	err := admin.try(octx, func(c *client.Client) (err error) {
		ks, err = c.CreateKey(octx, keysUser, []string{w.cfg.Context + "/" + w.cfg.KeyRepo + "=write"})
		return err
	})
	cancel()
	record(hd, err, Definite)
	if err != nil {
		return
	}
	id := ks.ID
	secrets := []string{ks.Secret}
	seq := 0
	put := func(gen int) {
		octx, cancel := op()
		defer cancel()
		obj := fmt.Sprintf("c%d/%05d/%02d-g%d", p, n, seq, gen)
		seq++
		s := newS3Objects(w.env.Dial, w.s3nodes, p+seq, w.cfg.KeyRepo, w.env.OpTimeout)
		s.ak, s.sk = id, secrets[gen]
		hd := h.Call(p, checker.KeyPut, id, checker.KeyPutInput{Object: obj, Gen: gen})
		record(hd, s.Put(octx, obj, []byte(obj)), s3Definite)
	}
	for range 3 {
		put(0)
	}
	octx, cancel = op()
	hd = h.Call(p, checker.KeyRevoke, id, checker.RevokeInput{Gen: 0})
	var nk client.KeySecret
	err = admin.try(octx, func(c *client.Client) (err error) {
		nk, err = c.RotateKey(octx, id, 0)
		return err
	})
	cancel()
	record(hd, err, Definite)
	if err == nil {
		secrets = append(secrets, nk.Secret)
		for i := range 4 {
			put(i % 2) // old and new secret in turn
		}
	}
	octx, cancel = op()
	hd = h.Call(p, checker.KeyRevoke, id, checker.RevokeInput{All: true})
	err = admin.try(octx, func(c *client.Client) error { return c.DeleteKey(octx, id) })
	cancel()
	record(hd, err, Definite)
	if err == nil {
		for range 2 {
			put(len(secrets) - 1)
		}
	}
}

// Final lists every object of the bucket (root key), retrying while the
// budget lasts: listing changes nothing.
func (w *keysWL) Final(ctx context.Context, p int, h *history.History) error {
	s := newS3Objects(w.env.Dial, w.s3nodes, 0, w.cfg.KeyRepo, w.env.OpTimeout)
	octx, cancel := context.WithTimeout(ctx, 60*w.env.OpTimeout)
	defer cancel()
	var err error
	for attempt := 0; attempt < 3 && octx.Err() == nil; attempt++ {
		hd := h.Call(p, checker.KeyFinal, "", nil)
		var keys []string
		if keys, err = s.List(octx, ""); err == nil {
			hd.Ok(checker.KeyFinalOutput{Objects: keys})
			return nil
		}
		hd.Fail(nil, err)
	}
	return err
}

func (w *keysWL) Check(ops []history.Op, _ string) []checker.Result {
	return []checker.Result{checker.CheckKeys(ops)}
}
