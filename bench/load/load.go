package load

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// ErrAllFailed reports a load in which no operation succeeded.
var ErrAllFailed = errors.New("load: every operation failed")

// Config bounds a load. No operation starts after Duration or after Ops
// operations, whichever comes first (zero: not a bound; at least one must be
// set); operations in flight then finish and count, and the elapsed time
// runs to the last completion.
type Config struct {
	Clients  int
	Duration time.Duration
	Ops      int
	// Warmup operations per client that are not recorded.
	Warmup int
	// MaxErrors stops the run early once this many operations failed (default 100).
	MaxErrors int
}

// Op is one operation; client is 0..Clients-1 and seq counts that client's calls.
type Op func(ctx context.Context, client, seq int) error

// Result summarises a load.
type Result struct {
	Clients   int
	Ops       int
	Errors    int
	FirstErr  error
	Elapsed   time.Duration
	OpsPerSec float64
	P50, P99  time.Duration
	Max       time.Duration
}

// Run runs op under cfg.
func Run(ctx context.Context, cfg Config, op Op) (Result, error) {
	if cfg.Clients < 1 || (cfg.Duration <= 0 && cfg.Ops <= 0) {
		return Result{}, fmt.Errorf("load: need clients >= 1 and a duration or op count")
	}
	if cfg.MaxErrors == 0 {
		cfg.MaxErrors = 100
	}
	for c := 0; c < cfg.Clients && cfg.Warmup > 0; c++ {
		for i := 0; i < cfg.Warmup; i++ {
			_ = op(ctx, c, -1-i)
		}
	}
	// No new operation starts after Duration, but operations in flight are
	// allowed to finish and count: cutting them off would bias throughput
	// down when an operation is long compared with the duration.
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		issued, nerr atomic.Int64
		mu           sync.Mutex
		lats         []time.Duration
		firstErr     error
		wg           sync.WaitGroup
		lastEnd      atomic.Int64 // ns since start of the last completion
	)
	start := time.Now()
	more := func() bool {
		if runCtx.Err() != nil || (cfg.Duration > 0 && time.Since(start) >= cfg.Duration) {
			return false
		}
		return cfg.Ops <= 0 || issued.Add(1) <= int64(cfg.Ops)
	}
	for c := 0; c < cfg.Clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 1024)
			for seq := 0; more(); seq++ {
				t0 := time.Now()
				err := op(runCtx, c, seq)
				d := time.Since(t0)
				if err != nil {
					if runCtx.Err() != nil {
						break
					}
					if nerr.Add(1) == 1 {
						mu.Lock()
						firstErr = err
						mu.Unlock()
					}
					if nerr.Load() >= int64(cfg.MaxErrors) {
						cancel()
					}
					continue
				}
				local = append(local, d)
				end := int64(time.Since(start))
				for {
					cur := lastEnd.Load()
					if end <= cur || lastEnd.CompareAndSwap(cur, end) {
						break
					}
				}
			}
			mu.Lock()
			lats = append(lats, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res := Result{Clients: cfg.Clients, Elapsed: time.Duration(lastEnd.Load()), Ops: len(lats), Errors: int(nerr.Load()), FirstErr: firstErr}
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("load: %w", err)
	}
	if len(lats) == 0 {
		return res, fmt.Errorf("%w (%d errors): %w", ErrAllFailed, res.Errors, firstErr)
	}
	slices.Sort(lats)
	res.OpsPerSec = float64(len(lats)) / res.Elapsed.Seconds()
	res.P50 = Percentile(lats, 0.50)
	res.P99 = Percentile(lats, 0.99)
	res.Max = lats[len(lats)-1]
	return res, nil
}

// Percentile returns the q-quantile (0..1) of sorted latencies (nearest rank).
func Percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// Ms converts a duration to float milliseconds.
func Ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
