package runner

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/datamon-io/datamon/jepsen/checker"
	"github.com/datamon-io/datamon/jepsen/history"
)

// RegisterClient is the label-register API the lead implements over the
// product client (labels: set, set --if-match, create-if-absent, get).
type RegisterClient interface {
	Get(ctx context.Context, key string) (value string, found bool, err error)
	Set(ctx context.Context, key, value string) error
	CAS(ctx context.Context, key, expect, value string) (applied bool, err error)
	Create(ctx context.Context, key, value string) (applied bool, err error)
}

// RegisterWorkloadConfig configures NewRegisterWorkload.
type RegisterWorkloadConfig struct {
	Keys      int                                         // default 16
	NewClient func(env WorkloadEnv, p int) RegisterClient // client for process p
	Definite  ErrorClass                                  // default NeverDefinite
	Pace      time.Duration                               // pause between ops (default 5ms)
	// Value returns the value of the n-th write of process p to key (default
	// "p<p>-<n>"). Values should be unique per key, so that porcupine can
	// tell writes apart; products whose values must exist beforehand (label
	// → bundle ID) hand them out from a pool.
	Value func(key string, p, n int) string
}

// NewRegisterWorkload returns a factory for a linearizable label-register
// workload (unique values; porcupine-checked).
func NewRegisterWorkload(cfg RegisterWorkloadConfig) WorkloadFactory {
	if cfg.Keys == 0 {
		cfg.Keys = 16
	}
	if cfg.Definite == nil {
		cfg.Definite = NeverDefinite
	}
	if cfg.Pace == 0 {
		cfg.Pace = 5 * time.Millisecond
	}
	return func(env WorkloadEnv) (Workload, error) { return &registerWL{cfg: cfg, env: env}, nil }
}

type registerWL struct {
	cfg RegisterWorkloadConfig
	env WorkloadEnv
}

func (w *registerWL) Name() string { return "register" }

func (w *registerWL) Client(ctx context.Context, p int, h *history.History) {
	c := w.cfg.NewClient(w.env, p)
	rng := rand.New(rand.NewPCG(w.env.Seed, uint64(p)))
	seen := map[string]string{}
	for n := 0; ctx.Err() == nil; n++ {
		key := fmt.Sprintf("k%02d", rng.IntN(w.cfg.Keys))
		r := rng.IntN(10)
		if r >= 7 && r < 9 && seen[key] == "" {
			r = 9 // nothing to compare with yet: create-if-absent instead of cas
		}
		val := ""
		if r >= 4 { // a write: draw a fresh value
			val = fmt.Sprintf("p%d-%d", p, n)
			if w.cfg.Value != nil {
				val = w.cfg.Value(key, p, n)
			}
		}
		octx, cancel := context.WithTimeout(ctx, w.env.OpTimeout)
		switch {
		case r < 4:
			hd := h.Call(p, checker.RegGet, key, checker.RegisterInput{})
			v, found, err := c.Get(octx, key)
			if err != nil {
				hd.Fail(nil, err) // reads have no effect: fail and info are equivalent
			} else {
				hd.Ok(checker.RegisterOutput{Found: found, Value: v})
				if found {
					seen[key] = v
				}
			}
		case r < 7:
			hd := h.Call(p, checker.RegSet, key, checker.RegisterInput{Value: val})
			err := c.Set(octx, key, val)
			w.finish(hd, err, false)
			if err == nil {
				seen[key] = val
			}
		case r < 9:
			exp := seen[key]
			hd := h.Call(p, checker.RegCAS, key, checker.RegisterInput{Value: val, Expect: exp})
			ok, err := c.CAS(octx, key, exp, val)
			w.finish(hd, err, ok)
			if err == nil && ok {
				seen[key] = val
			}
		default:
			hd := h.Call(p, checker.RegCreate, key, checker.RegisterInput{Value: val})
			ok, err := c.Create(octx, key, val)
			w.finish(hd, err, ok)
			if err == nil && ok {
				seen[key] = val
			}
		}
		cancel()
		select {
		case <-ctx.Done():
		case <-time.After(w.cfg.Pace):
		}
	}
}

func (w *registerWL) finish(hd *history.Handle, err error, applied bool) {
	switch {
	case err == nil:
		hd.Ok(checker.RegisterOutput{Applied: applied})
	case w.cfg.Definite(err):
		hd.Fail(nil, err)
	default:
		hd.Info(err)
	}
}

// Final reads every key once.
func (w *registerWL) Final(ctx context.Context, p int, h *history.History) error {
	c := w.cfg.NewClient(w.env, p)
	for i := range w.cfg.Keys {
		key := fmt.Sprintf("k%02d", i)
		// A read changes nothing, so a failed final read (the client path may
		// still reset connections) is recorded as failed and tried again.
		var err error
		for attempt := 0; attempt < 10; attempt++ {
			hd := h.Call(p, checker.RegGet, key, checker.RegisterInput{})
			octx, cancel := context.WithTimeout(ctx, 5*w.env.OpTimeout)
			v, found, gerr := c.Get(octx, key)
			cancel()
			if err = gerr; err == nil {
				hd.Ok(checker.RegisterOutput{Found: found, Value: v})
				break
			}
			hd.Fail(nil, err)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
		}
		if err != nil {
			return fmt.Errorf("runner: final get %s: %w", key, err)
		}
	}
	return nil
}

func (w *registerWL) Check(ops []history.Op, dir string) []checker.Result {
	return []checker.Result{checker.CheckRegister(ops, checker.RegisterConfig{ResultsDir: dir, Name: "register"})}
}
