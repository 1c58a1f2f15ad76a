package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/datamon-io/datamon/jepsen/checker"
	"github.com/datamon-io/datamon/jepsen/history"
)

// ObjectClient is the S3-ish API of the object-set workload (the lead
// implements it over the S3 gateway).
type ObjectClient interface {
	Put(ctx context.Context, key string, data []byte) error
	List(ctx context.Context, prefix string) ([]string, error)
	Get(ctx context.Context, key string) ([]byte, error)
}

// SetWorkloadConfig configures NewSetWorkload.
type SetWorkloadConfig struct {
	NewClient func(env WorkloadEnv, p int) ObjectClient
	Definite  ErrorClass    // default NeverDefinite
	Prefix    string        // default "jepsen/"
	Size      int           // object size (default 1 KiB)
	ReadEvery int           // one read per ReadEvery ops (default 8)
	Pace      time.Duration // default 5ms
	// FinalFetch bounds how many listed objects the final read fetches and
	// hashes (a seeded sample; 0 = all). Every listed key still counts for
	// the lost-write check.
	FinalFetch int
}

// NewSetWorkload returns a factory for the object-set workload: unique keys,
// periodic list+get reads of the client's own prefix, a final full read.
func NewSetWorkload(cfg SetWorkloadConfig) WorkloadFactory {
	if cfg.Definite == nil {
		cfg.Definite = NeverDefinite
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "jepsen/"
	}
	if cfg.Size == 0 {
		cfg.Size = 1024
	}
	if cfg.ReadEvery == 0 {
		cfg.ReadEvery = 8
	}
	if cfg.Pace == 0 {
		cfg.Pace = 5 * time.Millisecond
	}
	return func(env WorkloadEnv) (Workload, error) { return &setWL{cfg: cfg, env: env}, nil }
}

type setWL struct {
	cfg SetWorkloadConfig
	env WorkloadEnv
}

func (w *setWL) Name() string { return "set" }

func hash(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func (w *setWL) Client(ctx context.Context, p int, h *history.History) {
	c := w.cfg.NewClient(w.env, p)
	rng := rand.New(rand.NewPCG(w.env.Seed, uint64(p)+1000))
	prefix := fmt.Sprintf("%sc%d/", w.cfg.Prefix, p)
	for n := 0; ctx.Err() == nil; n++ {
		octx, cancel := context.WithTimeout(ctx, w.env.OpTimeout)
		if n%w.cfg.ReadEvery == w.cfg.ReadEvery-1 {
			_ = w.read(octx, c, p, h, prefix, false, rng, 3)
		} else {
			data := make([]byte, w.cfg.Size)
			for i := range data {
				data[i] = byte(rng.UintN(256))
			}
			key := fmt.Sprintf("%s%06d", prefix, n)
			hd := h.Call(p, checker.SetPut, key, checker.PutInput{SHA256: hash(data), Size: int64(len(data))})
			switch err := c.Put(octx, key, data); {
			case err == nil:
				hd.Ok(nil)
			case w.cfg.Definite(err):
				hd.Fail(nil, err)
			default:
				hd.Info(err)
			}
		}
		cancel()
		select {
		case <-ctx.Done():
		case <-time.After(w.cfg.Pace):
		}
	}
}

// read lists prefix and fetches up to fetch listed keys (all when fetch < 0).
func (w *setWL) read(ctx context.Context, c ObjectClient, p int, h *history.History, prefix string, final bool, rng *rand.Rand, fetch int) error {
	hd := h.Call(p, checker.SetRead, "", checker.ReadInput{Prefix: prefix, Final: final})
	keys, err := c.List(ctx, prefix)
	if err != nil {
		hd.Fail(nil, err)
		return err
	}
	objs := make(map[string]string, len(keys))
	for _, k := range keys {
		objs[k] = ""
	}
	idx := rng.Perm(len(keys))
	if fetch >= 0 && fetch < len(idx) {
		idx = idx[:fetch]
	}
	for _, i := range idx {
		b, err := c.Get(ctx, keys[i])
		if err != nil {
			hd.Fail(nil, err)
			return err
		}
		objs[keys[i]] = hash(b)
	}
	hd.Ok(checker.ReadOutput{Objects: objs})
	return nil
}

func (w *setWL) Final(ctx context.Context, p int, h *history.History) error {
	c := w.cfg.NewClient(w.env, p)
	rng := rand.New(rand.NewPCG(w.env.Seed, 7))
	octx, cancel := context.WithTimeout(ctx, 60*w.env.OpTimeout)
	defer cancel()
	fetch := -1
	if w.cfg.FinalFetch > 0 {
		fetch = w.cfg.FinalFetch
	}
	// Reads change nothing: a final read that failed (a timeout on a
	// loaded box) is tried again while the budget lasts.
	var err error
	for attempt := 0; attempt < 3 && octx.Err() == nil; attempt++ {
		if err = w.read(octx, c, p, h, w.cfg.Prefix, true, rng, fetch); err == nil {
			return nil
		}
	}
	return err
}

func (w *setWL) Check(ops []history.Op, _ string) []checker.Result {
	return []checker.Result{checker.CheckSet(ops)}
}
