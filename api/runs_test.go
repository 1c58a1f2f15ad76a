package api_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
	"github.com/datamon-io/datamon/runs"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"
)

type walkLineage struct {
	m *raftmeta.Meta
	w *runs.Walker
}

func (l walkLineage) Lineage(ctx context.Context, q model.LineageQuery, v func(c, r string) bool) (model.Lineage, error) {
	if err := l.m.Sync(ctx); err != nil {
		return model.Lineage{}, err
	}
	return l.w.Walk(raftmeta.WithStale(ctx), q, v)
}

type ingestAdapter struct{ in *runs.Ingester }

func (i ingestAdapter) Ingest(ctx context.Context, b []byte, c api.Caller) (model.Run, error) {
	return i.in.Ingest(ctx, b, c)
}

// runsNode is one API server over a one-node Raft group with the lineage
// walker wired (as node does).
func runsNode(t *testing.T, keys ...model.AccessKey) (*api.Server, func(model.AccessKey) *client.Client) {
	t.Helper()
	root := rootKey
	c := raftmetatest.New(t, 1, raftmetatest.Options{RootKey: &root})
	if _, err := c.Leader(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	m := c.Meta("n1")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := raftmetatest.WaitFor(10*time.Second, func() error { _, err := m.GetContext(ctx, model.DefaultContext); return err }); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if err := m.PutAccessKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	w, err := runs.NewWalker(runs.WalkConfig{}, m)
	if err != nil {
		t.Fatal(err)
	}
	cfg := api.DefaultConfig()
	cfg.Lineage = walkLineage{m: m, w: w}
	in, err := runs.NewIngester(m, "")
	if err != nil {
		t.Fatal(err)
	}
	cfg.LineageIngest = ingestAdapter{in}
	srv := api.New(cfg, m, newMemChunks(), staticCluster{id: "n1:7000"})
	ln := fasthttputil.NewInmemoryListener()
	hs := srv.HTTPServer()
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Shutdown(); _ = ln.Close() })
	mn := memNet{"runs:7000": ln}
	return srv, func(k model.AccessKey) *client.Client { return newClient(t, mn, k, "http://runs:7000") }
}

func TestRunRoutes(t *testing.T) {
	srv, cl := runsNode(t, readKey, writeKey, nogrant)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	root, writer, reader := cl(rootKey), cl(writeKey), cl(readKey)
	d := model.DefaultContext
	for _, r := range []string{"r1", "out"} {
		if _, err := root.CreateRepo(ctx, model.Repo{Context: d, Name: r, Description: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	in, err := root.CommitBundle(ctx, model.Bundle{Context: d, Repo: "r1", Message: "data", ManifestRoot: chunk.Sum([]byte("a"))}, "main")
	if err != nil {
		t.Fatal(err)
	}
	start := model.RunStart{Context: d, Name: "train", Owner: "someone-else", Params: map[string]string{"lr": "0.1"},
		Inputs: []model.InputRef{{Repo: "r1", Ref: "main"}}}
	if _, err := reader.StartRun(ctx, start); !errors.Is(err, model.ErrPermission) {
		t.Fatalf("start with read only: %v", err)
	}
	run, err := writer.StartRun(ctx, start)
	if err != nil || run.Owner != writeKey.ID || run.Inputs[0].Bundle != in.ID {
		t.Fatalf("start: %+v %v", run, err)
	}
	// Bad input: 400/404, nothing created.
	bad := []struct {
		s    model.RunStart
		want error
	}{
		{model.RunStart{Context: d, Name: "x", Params: map[string]string{"big": strings.Repeat("x", model.RunMaxValue+1)}}, model.ErrInvalid},
		{model.RunStart{Context: d, Name: "x", Inputs: []model.InputRef{{Repo: "r1", Ref: "nolabel"}}}, model.ErrNotFound},
		{model.RunStart{Context: d, Name: ""}, model.ErrInvalid},
	}
	for _, b := range bad {
		if _, err := writer.StartRun(ctx, b.s); !errors.Is(err, b.want) {
			t.Errorf("start %+v: %v, want %v", b.s, err, b.want)
		}
	}
	if rs, _ := root.ListRuns(ctx, model.RunFilter{Context: d}); len(rs) != 1 {
		t.Fatalf("bad starts left runs: %+v", rs)
	}
	if _, err := writer.LogRunMetrics(ctx, run.ID, []model.MetricPoint{{Key: "loss", Value: 0.5}}); err != nil {
		t.Fatal(err)
	}
	if _, err := writer.LogRunMetrics(ctx, run.ID, []model.MetricPoint{{Key: "loss", Value: math.Inf(1)}}); err == nil {
		t.Fatal("an infinite metric was accepted")
	}
	if _, err := root.CommitBundle(ctx, model.Bundle{Context: d, Repo: "out", Message: "m", Run: run.ID, ManifestRoot: chunk.Sum([]byte("b"))}, ""); err != nil {
		t.Fatalf("admin commits to someone's run: %v", err)
	}
	other, err := root.StartRun(ctx, model.RunStart{Context: d, Name: "roots"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := writer.CommitBundle(ctx, model.Bundle{Context: d, Repo: "out", Message: "m", Run: other.ID, ManifestRoot: chunk.Sum([]byte("c"))}, ""); !errors.Is(err, model.ErrPermission) {
		t.Fatalf("commit to someone else's run: %v", err)
	}
	if _, err := writer.FinishRun(ctx, other.ID, model.RunFailed, ""); !errors.Is(err, model.ErrPermission) {
		t.Fatalf("finish someone else's run: %v", err)
	}
	fin, err := writer.FinishRun(ctx, run.ID, model.RunSucceeded, "")
	if err != nil || fin.Status != model.RunSucceeded || len(fin.Outputs) != 1 {
		t.Fatalf("finish: %+v %v", fin, err)
	}
	if _, err := writer.FinishRun(ctx, run.ID, model.RunFailed, ""); !errors.Is(err, model.ErrPrecondition) {
		t.Fatalf("finish twice: %v", err)
	}
	if _, err := writer.FinishRun(ctx, other.ID, "done", ""); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("bad status: %v", err)
	}
	notes := "ok"
	if u, err := writer.UpdateRun(ctx, run.ID, model.RunUpdate{Tags: map[string]string{"k": "v"}, Notes: &notes}); err != nil || u.Tags["k"] != "v" {
		t.Fatalf("update finished run: %+v %v", u, err)
	}
	got, err := reader.GetRun(ctx, run.ID)
	if err != nil || got.Metrics["loss"] != 0.5 {
		t.Fatalf("reader gets the run: %+v %v", got, err)
	}
	if _, err := cl(nogrant).GetRun(ctx, run.ID); !errors.Is(err, model.ErrPermission) {
		t.Fatalf("no grant: %v", err)
	}
	for _, id := range []string{"nope", "000000000000000000000000000", ".."} {
		if _, err := reader.GetRun(ctx, id); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("get %q: %v", id, err)
		}
	}
	if pts, err := reader.RunMetrics(ctx, run.ID, "loss"); err != nil || len(pts) != 1 {
		t.Fatalf("metrics: %+v %v", pts, err)
	}
	if rs, err := reader.ListRuns(ctx, model.RunFilter{Context: d, Status: model.RunRunning}); err != nil || len(rs) != 1 || rs[0].ID != other.ID {
		t.Fatalf("list running: %+v %v", rs, err)
	}
	up, err := reader.Lineage(ctx, model.LineageQuery{Direction: model.Upstream, RunID: run.ID})
	if err != nil || len(up.Nodes) != 2 || up.Nodes[1].Bundle == nil || up.Nodes[1].Bundle.ID != in.ID {
		t.Fatalf("lineage upstream of the run: %+v %v", up, err)
	}
	// reader may read r1 but not out: downstream of in shows the output hidden.
	down, err := reader.Lineage(ctx, model.LineageQuery{Direction: model.Downstream, Context: d, Repo: "r1", Bundle: in.ID})
	if err != nil || len(down.Nodes) != 3 || !down.Nodes[2].Hidden {
		t.Fatalf("lineage downstream: %+v %v", down, err)
	}
	if _, err := reader.Lineage(ctx, model.LineageQuery{Direction: "sideways", RunID: run.ID}); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("bad direction: %v", err)
	}
	// A metric that is not a number never reaches the store.
	body := []byte(`{"points":[{"key":"loss","value":"abc"}]}`)
	var rc fasthttp.RequestCtx
	rc.Init(signedReq(rootKey, fasthttp.MethodPost, "/v1/runs/"+other.ID+"/metrics", body, body, time.Now()), nil, nil)
	srv.Handler()(&rc)
	if rc.Response.StatusCode() != fasthttp.StatusBadRequest {
		t.Fatalf("metric \"abc\": %d %s", rc.Response.StatusCode(), rc.Response.Body())
	}
	if g, _ := root.GetRun(ctx, other.ID); g.Points != 0 {
		t.Fatalf("refused metric was stored: %+v", g)
	}
}

// POST /api/v1/lineage: an OpenLineage START then COMPLETE from another
// emitter become one run owned by the caller; a reader may not post; a
// malformed event is 400.
func TestLineageIngestRoute(t *testing.T) {
	_, cl := runsNode(t, readKey, writeKey)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ev := func(typ string) []byte {
		return []byte(`{"eventType":"` + typ + `","eventTime":"2026-12-07T10:00:00Z","run":{"runId":"0b9d6a2e-6a1f-4c1e-9a7b-1f2e3d4c5b6a"},` +
			`"job":{"namespace":"datamon://default","name":"etl"},"producer":"https://airflow.example","schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json"}`)
	}
	if _, err := cl(readKey).PostLineageEvent(ctx, ev("START")); !errors.Is(err, model.ErrPermission) {
		t.Fatalf("reader posts: %v", err)
	}
	r, err := cl(writeKey).PostLineageEvent(ctx, ev("START"))
	if err != nil || r.Status != model.RunRunning || r.Owner != writeKey.ID || r.Name != "etl" {
		t.Fatalf("START: %+v %v", r, err)
	}
	done, err := cl(writeKey).PostLineageEvent(ctx, ev("COMPLETE"))
	if err != nil || done.ID != r.ID || done.Status != model.RunSucceeded {
		t.Fatalf("COMPLETE: %+v %v", done, err)
	}
	if _, err := cl(writeKey).PostLineageEvent(ctx, []byte(`{"eventType":"START"}`)); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("malformed: %v", err)
	}
}
