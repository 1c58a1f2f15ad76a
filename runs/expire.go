package runs

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/datamon-io/datamon/model"
)

// Expiring is what the lease expirer needs from the metadata store
// (raftmeta.Meta).
type Expiring interface {
	IsLeader() bool
	// HasExpiredRuns is a local read: is some lease over at now?
	HasExpiredRuns(now time.Time) (bool, error)
	// ExpireRuns submits the expiry command; the FSM decides with the
	// command's leader-stamped time, so every replica fails the same runs.
	ExpireRuns(ctx context.Context) ([]model.Run, error)
}

// ExpirerConfig configures an Expirer.
type ExpirerConfig struct {
	// Interval between checks on the leader (default 1 s): a run whose
	// process died is failed at most a lease plus an interval later.
	Interval time.Duration
	// Timeout bounds one expiry command (default 10 s).
	Timeout time.Duration
	// Clock is the leader's clock for the local pre-check (default time.Now).
	Clock func() time.Time
	// OnExpired, if set, is called with each run the expiry failed (e.g. to
	// emit an OpenLineage FAIL event).
	OnExpired func(ctx context.Context, r model.Run)
	Logger    *slog.Logger
}

// Validate checks c.
func (c ExpirerConfig) Validate() error {
	if c.Interval < 0 || c.Timeout < 0 {
		return fmt.Errorf("%w: negative expirer interval or timeout", ErrConfig)
	}
	return nil
}

// Expirer fails runs whose lease expired: on the Raft leader only, every
// Interval, it submits an expiry command when its own state shows an
// expired lease. Close stops it.
type Expirer struct {
	cfg  ExpirerConfig
	src  Expiring
	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

// NewExpirer starts an Expirer over src.
func NewExpirer(cfg ExpirerConfig, src Expiring) (*Expirer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if src == nil {
		return nil, fmt.Errorf("%w: no metadata store", ErrConfig)
	}
	if cfg.Interval == 0 {
		cfg.Interval = time.Second
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	e := &Expirer{cfg: cfg, src: src, stop: make(chan struct{})}
	e.wg.Add(1)
	go e.loop()
	return e, nil
}

func (e *Expirer) loop() {
	defer e.wg.Done()
	t := time.NewTicker(e.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-e.stop:
			return
		case <-t.C:
		}
		if err := e.Check(); err != nil {
			e.cfg.Logger.Warn("runs: lease expiry", "err", err)
		}
	}
}

// Check runs one expiry round now (the loop calls it every Interval).
func (e *Expirer) Check() error {
	if !e.src.IsLeader() {
		return nil
	}
	due, err := e.src.HasExpiredRuns(e.cfg.Clock())
	if err != nil || !due {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), e.cfg.Timeout)
	defer cancel()
	go func() {
		select {
		case <-e.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	out, err := e.src.ExpireRuns(ctx)
	if err != nil {
		return err
	}
	for _, r := range out {
		e.cfg.Logger.Info("run failed: lease expired", "run", r.ID, "name", r.Name, "owner", r.Owner)
		if e.cfg.OnExpired != nil {
			e.cfg.OnExpired(ctx, r)
		}
	}
	return nil
}

// Close stops the loop and waits for it.
func (e *Expirer) Close() error {
	e.once.Do(func() { close(e.stop) })
	e.wg.Wait()
	return nil
}
