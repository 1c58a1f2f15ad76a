package runs_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
	"github.com/datamon-io/datamon/runs"
)

// The expirer on the leader fails a run whose lease ran out (by the
// leader's clock) and reports it; a run that heartbeats stays running.
func TestExpirerFailsStaleRuns(t *testing.T) {
	var offset atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	c := raftmetatest.New(t, 1, raftmetatest.Options{Clock: clock})
	if _, err := c.Leader(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	m := c.Meta("n1")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := raftmetatest.WaitFor(10*time.Second, func() error { _, err := m.GetContext(ctx, d); return err }); err != nil {
		t.Fatal(err)
	}
	stale, err := m.StartRun(ctx, model.RunStart{Context: d, Name: "stale", Owner: "ci", Lease: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	live, _ := m.StartRun(ctx, model.RunStart{Context: d, Name: "live", Owner: "ci", Lease: time.Minute})
	got := make(chan model.Run, 4)
	e, err := runs.NewExpirer(runs.ExpirerConfig{Interval: 10 * time.Millisecond, Clock: clock,
		OnExpired: func(_ context.Context, r model.Run) { got <- r }}, m)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	offset.Store(int64(40 * time.Second))
	if _, err := m.HeartbeatRun(ctx, live.ID, model.RunActor{Name: "ci"}); err != nil {
		t.Fatal(err)
	}
	offset.Store(int64(70 * time.Second))
	select {
	case r := <-got:
		if r.ID != stale.ID || r.Status != model.RunFailed {
			t.Fatalf("expired %+v", r)
		}
	case <-ctx.Done():
		t.Fatal("the stale run was not expired")
	}
	if r, _ := m.GetRun(ctx, live.ID); r.Status != model.RunRunning {
		t.Fatalf("live run: %s", r.Status)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := runs.NewExpirer(runs.ExpirerConfig{Interval: -1}, m); err == nil {
		t.Fatal("negative interval accepted")
	}
}
