package load

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunOpsAndPercentiles(t *testing.T) {
	var calls atomic.Int64
	res, err := Run(context.Background(), Config{Clients: 4, Ops: 200, Warmup: 1}, func(_ context.Context, c, seq int) error {
		calls.Add(1)
		if seq >= 0 && seq%50 == 7 {
			return errors.New("sometimes")
		}
		time.Sleep(100 * time.Microsecond)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Ops+res.Errors != 200 || calls.Load() != 204 || res.Errors == 0 {
		t.Fatalf("%+v, %d calls", res, calls.Load())
	}
	if res.P50 < 100*time.Microsecond || res.P99 < res.P50 || res.Max < res.P99 || res.OpsPerSec <= 0 {
		t.Fatalf("%+v", res)
	}
}

func TestRunAllFailAndDuration(t *testing.T) {
	_, err := Run(context.Background(), Config{Clients: 2, Duration: 50 * time.Millisecond, MaxErrors: 10},
		func(context.Context, int, int) error { return errors.New("down") })
	if !errors.Is(err, ErrAllFailed) {
		t.Fatalf("err %v", err)
	}
	start := time.Now()
	res, err := Run(context.Background(), Config{Clients: 3, Duration: 100 * time.Millisecond},
		func(ctx context.Context, _, _ int) error { time.Sleep(time.Millisecond); return nil })
	if err != nil || time.Since(start) > time.Second || res.Ops < 10 {
		t.Fatalf("%+v %v", res, err)
	}
	if _, err := Run(context.Background(), Config{}, nil); err == nil {
		t.Fatal("empty config accepted")
	}
	if p := Percentile([]time.Duration{1, 2, 3, 4}, 0.5); p != 2 {
		t.Fatalf("p50 %v", p)
	}
}
