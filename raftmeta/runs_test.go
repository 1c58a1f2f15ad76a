package raftmeta_test

import (
	"errors"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
)

// Runs: start pins inputs (a label resolves to its bundle in the same
// command), a commit naming the run attaches the bundle as an output and
// records the run on the bundle, metrics keep their history, only the owner
// (or an admin) changes a run, a finished run is immutable except tags and
// notes, bad input changes nothing, and every replica converges.
func TestRunsLifecycle(t *testing.T) {
	c := raftmetatest.New(t, 3, raftmetatest.Options{})
	leader := waitReady(t, c)
	ctx := testCtx(t, 60*time.Second)
	m := c.Meta(follower(t, c, leader))
	d := model.DefaultContext
	mkRepo(t, ctx, m, "raw")
	mkRepo(t, ctx, m, "model")
	b1 := commit(t, ctx, m, "raw", "ingest")
	if _, err := m.SetLabel(ctx, model.LabelSet{Context: d, Repo: "raw", Name: "latest", BundleID: b1.ID}); err != nil {
		t.Fatal(err)
	}
	ann := model.RunActor{Name: "ann"}
	start := model.RunStart{Context: d, Name: "train", Pipeline: "p", Step: "train", Owner: "ann",
		Params: map[string]string{"lr": "0.1"}, Code: model.CodeRef{Repo: "https://git/x", Commit: "abc", Dirty: true},
		Inputs: []model.InputRef{{Repo: "raw", Ref: "latest", Path: "train/"}}}
	r, err := m.StartRun(ctx, start)
	if err != nil || r.Status != model.RunRunning || r.Started.IsZero() || len(r.ID) != 27 {
		t.Fatalf("start: %+v %v", r, err)
	}
	if len(r.Inputs) != 1 || r.Inputs[0].Bundle != b1.ID || r.Inputs[0].Label != "latest" || r.Inputs[0].Path != "train/" {
		t.Fatalf("inputs not pinned: %+v", r.Inputs)
	}
	// The label moves on; the run keeps the bundle it read.
	b2 := commit(t, ctx, m, "raw", "ingest 2")
	if _, err := m.SetLabel(ctx, model.LabelSet{Context: d, Repo: "raw", Name: "latest", BundleID: b2.ID}); err != nil {
		t.Fatal(err)
	}
	// Bad input: nothing is created.
	before, _ := m.ListRuns(ctx, model.RunFilter{Context: d})
	for name, s := range map[string]model.RunStart{
		"missing input":   {Context: d, Name: "x", Inputs: []model.InputRef{{Repo: "raw", Ref: "nolabel"}}},
		"missing repo":    {Context: d, Name: "x", Inputs: []model.InputRef{{Repo: "nope", Ref: "latest"}}},
		"param too large": {Context: d, Name: "x", Params: map[string]string{"k": strings.Repeat("v", model.RunMaxValue+1)}},
		"no name":         {Context: d},
		"bad context":     {Context: "nope", Name: "x"},
	} {
		_, err := m.StartRun(ctx, s)
		want := model.ErrInvalid
		if strings.HasPrefix(name, "missing") || name == "bad context" {
			want = model.ErrNotFound
		}
		if !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", name, err, want)
		}
	}
	if after, _ := m.ListRuns(ctx, model.RunFilter{Context: d}); len(after) != len(before) {
		t.Fatalf("bad starts created runs: %d -> %d", len(before), len(after))
	}
	if _, err := m.LogRunMetrics(ctx, r.ID, ann, []model.MetricPoint{{Key: "loss", Value: math.NaN()}}); !errors.Is(err, model.ErrInvalid) {
		t.Errorf("NaN metric: %v", err)
	}
	for i, v := range []float64{0.9, 0.5, 0.2} {
		if _, err := m.LogRunMetrics(ctx, r.ID, ann, []model.MetricPoint{{Key: "loss", Value: v, Step: int64(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.LogRunMetrics(ctx, r.ID, model.RunActor{Name: "bob"}, []model.MetricPoint{{Key: "loss", Value: 1}}); !errors.Is(err, model.ErrPermission) {
		t.Errorf("someone else's run: %v", err)
	}
	out, err := m.CommitBundle(ctx, model.Bundle{Context: d, Repo: "model", Message: "trained", Run: r.ID,
		ManifestRoot: chunk.Sum([]byte("m")), FileCount: 1, ByteCount: 1}, &model.LabelSet{Name: "best"})
	if err != nil || out.Run != r.ID {
		t.Fatalf("commit with run: %+v %v", out, err)
	}
	if _, err := m.CommitBundle(ctx, model.Bundle{Context: d, Repo: "model", Message: "x", Run: "000000000000000000000000000",
		ManifestRoot: chunk.Sum([]byte("y")), FileCount: 1, ByteCount: 1}, nil); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("commit naming an unknown run: %v", err)
	}
	fin, err := m.FinishRun(ctx, r.ID, ann, model.RunSucceeded, "")
	if err != nil || fin.Status != model.RunSucceeded || fin.Ended.Before(fin.Started) || fin.Metrics["loss"] != 0.2 || fin.Points != 3 {
		t.Fatalf("finish: %+v %v", fin, err)
	}
	if len(fin.Outputs) != 1 || fin.Outputs[0].Bundle != out.ID || fin.Outputs[0].Label != "best" {
		t.Fatalf("outputs: %+v", fin.Outputs)
	}
	// Immutable once finished, except tags and notes.
	if _, err := m.LogRunMetrics(ctx, r.ID, ann, []model.MetricPoint{{Key: "loss", Value: 1}}); !errors.Is(err, model.ErrPrecondition) {
		t.Errorf("metric on a finished run: %v", err)
	}
	if _, err := m.FinishRun(ctx, r.ID, ann, model.RunFailed, ""); !errors.Is(err, model.ErrPrecondition) {
		t.Errorf("finish twice: %v", err)
	}
	if again, err := m.FinishRun(ctx, r.ID, ann, model.RunSucceeded, ""); err != nil || !again.Ended.Equal(fin.Ended) {
		t.Errorf("the same finish again: %+v %v", again, err)
	}
	if _, err := m.CommitBundle(ctx, model.Bundle{Context: d, Repo: "model", Message: "late", Run: r.ID,
		ManifestRoot: chunk.Sum([]byte("z")), FileCount: 1, ByteCount: 1}, nil); !errors.Is(err, model.ErrPrecondition) {
		t.Errorf("output on a finished run: %v", err)
	}
	notes := "baseline"
	upd, err := m.UpdateRun(ctx, r.ID, ann, model.RunUpdate{Tags: map[string]string{"good": "yes"}, Notes: &notes})
	if err != nil || upd.Tags["good"] != "yes" || upd.Notes != "baseline" || upd.Status != model.RunSucceeded {
		t.Fatalf("update: %+v %v", upd, err)
	}
	hist, err := m.RunMetricHistory(ctx, r.ID, "loss", 0)
	if err != nil || len(hist) != 3 || hist[0].Value != 0.9 || hist[2].Step != 2 || hist[2].Time.IsZero() {
		t.Fatalf("history: %+v %v", hist, err)
	}
	readers, err := m.RunsReading(ctx, d, "raw", b1.ID, 0)
	if err != nil || len(readers) != 1 || readers[0] != r.ID {
		t.Fatalf("runs reading b1: %v %v", readers, err)
	}
	if rs, _ := m.RunsReading(ctx, d, "raw", b2.ID, 0); len(rs) != 0 {
		t.Fatalf("b2 was not read: %v", rs)
	}
	for _, id := range []string{"nope", "000000000000000000000000000"} {
		if _, err := m.GetRun(ctx, id); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("get %q: %v", id, err)
		}
	}
	r2, err := m.StartRun(ctx, model.RunStart{Context: d, Name: "eval", Owner: "ann"})
	if err != nil || r2.ID <= r.ID {
		t.Fatalf("second run %q after %q: %v", r2.ID, r.ID, err)
	}
	for name, f := range map[string]struct {
		f    model.RunFilter
		want int
	}{
		"all": {model.RunFilter{Context: d}, 2}, "running": {model.RunFilter{Context: d, Status: model.RunRunning}, 1},
		"by name": {model.RunFilter{Context: d, Name: "train"}, 1}, "after": {model.RunFilter{Context: d, After: r.ID}, 1},
		"since": {model.RunFilter{Context: d, Since: r2.Started}, 1}, "limit": {model.RunFilter{Context: d, Limit: 1}, 1},
	} {
		got, err := m.ListRuns(ctx, f.f)
		if err != nil || len(got) != f.want {
			t.Errorf("list %s: %d runs (%v), want %d", name, len(got), err, f.want)
		}
	}
	got, err := m.GetBundle(ctx, d, "model", out.ID)
	if err != nil || got.Run != r.ID {
		t.Fatalf("bundle's run: %+v %v", got, err)
	}
	if _, err := c.Converged(ctx, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

// A run with a lease that sees no heartbeat is failed by the leader's
// expiry, decided with the leader-stamped time of the expire command; a
// heartbeat keeps it running; a finished run is left alone.
func TestRunLeaseExpiry(t *testing.T) {
	var offset atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	c := raftmetatest.New(t, 3, raftmetatest.Options{Clock: clock})
	leader := waitReady(t, c)
	ctx := testCtx(t, 60*time.Second)
	m := c.Meta(leader)
	d := model.DefaultContext
	as := model.RunActor{Name: "ann"}
	lease := time.Minute
	r1, err := m.StartRun(ctx, model.RunStart{Context: d, Name: "a", Owner: "ann", Lease: lease})
	if err != nil {
		t.Fatal(err)
	}
	r2, _ := m.StartRun(ctx, model.RunStart{Context: d, Name: "b", Owner: "ann", Lease: lease})
	r3, _ := m.StartRun(ctx, model.RunStart{Context: d, Name: "c", Owner: "ann"}) // no lease
	if exp, err := m.ExpireRuns(ctx); err != nil || len(exp) != 0 {
		t.Fatalf("nothing expired yet: %+v %v", exp, err)
	}
	if ok, _ := m.HasExpiredRuns(clock()); ok {
		t.Fatal("HasExpiredRuns before the lease ended")
	}
	offset.Store(int64(45 * time.Second))
	if _, err := m.HeartbeatRun(ctx, r2.ID, as); err != nil {
		t.Fatal(err)
	}
	offset.Store(int64(90 * time.Second)) // r1: 90s without heartbeat; r2: 45s
	if ok, _ := m.HasExpiredRuns(clock()); !ok {
		t.Fatal("HasExpiredRuns after the lease ended")
	}
	exp, err := m.ExpireRuns(ctx)
	if err != nil || len(exp) != 1 || exp[0].ID != r1.ID || exp[0].Status != model.RunFailed || !strings.Contains(exp[0].Reason, "lease") {
		t.Fatalf("expire: %+v %v", exp, err)
	}
	for _, id := range []string{r2.ID, r3.ID} {
		if r, _ := m.GetRun(ctx, id); r.Status != model.RunRunning {
			t.Fatalf("%s: %s", id, r.Status)
		}
	}
	if _, err := m.FinishRun(ctx, r1.ID, as, model.RunSucceeded, ""); !errors.Is(err, model.ErrPrecondition) {
		t.Fatalf("finish an expired run: %v", err)
	}
	if _, err := m.FinishRun(ctx, r2.ID, as, model.RunSucceeded, ""); err != nil {
		t.Fatal(err)
	}
	offset.Store(int64(10 * time.Minute))
	if exp, err := m.ExpireRuns(ctx); err != nil || len(exp) != 0 {
		t.Fatalf("finished runs do not expire: %+v %v", exp, err)
	}
	if _, err := c.Converged(ctx, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	f := c.Meta(follower(t, c, leader))
	if r, err := f.GetRun(ctx, r1.ID); err != nil || r.Status != model.RunFailed {
		t.Fatalf("follower sees %+v %v", r, err)
	}
}

// Runs survive a leader crash and a follower catching up from a snapshot;
// the new leader expires a lease the old one granted, and every replica
// agrees on the result.
func TestRunsAcrossFailoverAndSnapshot(t *testing.T) {
	var offset atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	c := raftmetatest.New(t, 3, raftmetatest.Options{Clock: clock, SnapshotThreshold: 8, TrailingLogs: 4})
	leader := waitReady(t, c)
	ctx := testCtx(t, 90*time.Second)
	m := c.Meta(leader)
	d := model.DefaultContext
	r, err := m.StartRun(ctx, model.RunStart{Context: d, Name: "long", Owner: "ann", Lease: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	lagging := follower(t, c, leader)
	c.Stop(lagging)
	for i := 0; i < 30; i++ { // enough entries for snapshots and log truncation
		if _, err := m.LogRunMetrics(ctx, r.ID, model.RunActor{Name: "ann"}, []model.MetricPoint{{Key: "step", Value: float64(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	c.Crash(leader)
	c.Restart(lagging)
	nl, err := c.Leader(20*time.Second, lagging, otherThan(c, leader, lagging))
	if err != nil {
		t.Fatal(err)
	}
	offset.Store(int64(5 * time.Minute))
	exp, err := c.Meta(nl).ExpireRuns(ctx)
	if err != nil || len(exp) != 1 || exp[0].ID != r.ID || exp[0].Points != 30 {
		t.Fatalf("expire on the new leader: %+v %v", exp, err)
	}
	c.Restart(leader)
	if _, err := c.Converged(ctx, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	for _, id := range c.Running() {
		got, err := c.Meta(id).GetRun(ctx, r.ID)
		if err != nil || got.Status != model.RunFailed || got.Metrics["step"] != 29 {
			t.Fatalf("%s: %+v %v", id, got, err)
		}
		hist, err := c.Meta(id).RunMetricHistory(ctx, r.ID, "step", 0)
		if err != nil || len(hist) != 30 {
			t.Fatalf("%s: %d points %v", id, len(hist), err)
		}
	}
}

func otherThan(c *raftmetatest.Cluster, not ...string) string {
	for _, id := range c.IDs() {
		skip := false
		for _, n := range not {
			skip = skip || id == n
		}
		if !skip {
			return id
		}
	}
	return ""
}
