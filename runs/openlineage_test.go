package runs_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/runs"
)

// requiredFields checks a raw emitted event against the fields the
// OpenLineage spec requires, independently of runs.ValidateEvent.
func requiredFields(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"eventType", "eventTime", "producer", "schemaURL"} {
		if s, _ := ev[k].(string); s == "" {
			t.Fatalf("event lacks %s: %s", k, raw)
		}
	}
	if _, err := time.Parse(time.RFC3339Nano, ev["eventTime"].(string)); err != nil {
		t.Fatalf("eventTime: %v", err)
	}
	run, _ := ev["run"].(map[string]any)
	job, _ := ev["job"].(map[string]any)
	if id, _ := run["runId"].(string); !runs.ValidUUID(id) {
		t.Fatalf("runId %q", id)
	}
	if ns, _ := job["namespace"].(string); !strings.HasPrefix(ns, "datamon://") || job["name"] == "" {
		t.Fatalf("job %v", job)
	}
	return ev
}

// Emitted events, to a JSON lines file and to an HTTP endpoint that fails
// twice before accepting, carry every required field; datasets are
// datamon://context repo@bundle.
func TestEmitFileAndHTTP(t *testing.T) {
	p := threeSteps(t)
	var mu sync.Mutex
	var got [][]byte
	fails := 2
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if fails > 0 {
			fails--
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		got = append(got, b)
	}))
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "ol.jsonl")
	e, err := runs.NewEmitter(runs.EmitConfig{File: file, URL: srv.URL + "/api/v1/lineage", Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	running := p.train
	running.Status, running.Ended = model.RunRunning, time.Time{}
	failed := p.eval
	failed.Status, failed.Reason = model.RunFailed, "exit status 3"
	for _, r := range []model.Run{running, p.train, failed} {
		e.RunChanged(context.Background(), r)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	if len(lines) != 3 || len(got) != 3 {
		t.Fatalf("%d lines in the file, %d events received", len(lines), len(got))
	}
	for i, want := range []string{"START", "COMPLETE", "FAIL"} {
		for _, raw := range [][]byte{lines[i], got[i]} {
			ev := requiredFields(t, raw)
			if ev["eventType"] != want {
				t.Fatalf("event %d: %v, want %s", i, ev["eventType"], want)
			}
			if _, err := runs.ParseEvent(raw); err != nil {
				t.Fatalf("our own event does not validate: %v", err)
			}
		}
	}
	var start runs.RunEvent
	_ = json.Unmarshal(lines[0], &start)
	if len(start.Inputs) != 1 || start.Inputs[0].Namespace != "datamon://default" || start.Inputs[0].Name != "raw@"+p.raw.ID {
		t.Fatalf("inputs %+v", start.Inputs)
	}
	if start.Run.RunID != runs.OLRunID(p.train.ID) || start.Job.Facets["sourceCodeLocation"] == nil {
		t.Fatalf("run %+v job %+v", start.Run, start.Job)
	}
	if !strings.Contains(string(lines[2]), "exit status 3") {
		t.Fatalf("FAIL without its error message: %s", lines[2])
	}
}

type caller struct{ deny string }

func (c caller) Actor(string) model.RunActor { return model.RunActor{Name: "airflow"} }
func (c caller) Require(ctx string, _ model.Permission) error {
	if ctx == c.deny {
		return fmt.Errorf("%w: %s", model.ErrPermission, ctx)
	}
	return nil
}
func (c caller) RequireRepo(ctx, repo string, p model.Permission) error { return c.Require(ctx, p) }

func event(typ, runID, extra string) []byte {
	return []byte(fmt.Sprintf(`{"eventType":%q,"eventTime":"2026-12-07T10:00:00.000Z","run":{"runId":%q},
"job":{"namespace":"datamon://default","name":"spark.etl"},"producer":"https://github.com/apache/airflow",
"schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent"%s}`, typ, runID, extra))
}

// Events from other emitters become runs: START starts (inputs in datamon
// namespaces pinned, others kept as tags), FAIL finishes; repeated events
// change nothing; bad events are refused and create nothing.
func TestIngestEvents(t *testing.T) {
	p := threeSteps(t)
	in, err := runs.NewIngester(p.m, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	id := "0b9d6a2e-6a1f-4c1e-9a7b-1f2e3d4c5b6a"
	inputs := `,"inputs":[{"namespace":"datamon://default","name":"raw@main"},{"namespace":"s3://lake","name":"events"}]`
	r, err := in.Ingest(ctx, event("START", id, inputs), caller{})
	if err != nil || r.Status != model.RunRunning || r.Owner != "airflow" || len(r.Inputs) != 1 || r.Inputs[0].Bundle != p.raw.ID ||
		r.Tags["openlineage.input.1"] != "s3://lake/events" {
		t.Fatalf("START: %+v %v", r, err)
	}
	again, err := in.Ingest(ctx, event("RUNNING", id, ""), caller{})
	if err != nil || again.ID != r.ID {
		t.Fatalf("RUNNING: %+v %v", again, err)
	}
	fin, err := in.Ingest(ctx, event("FAIL", id, `,"run":{"runId":"`+id+`","facets":{"errorMessage":{"message":"OOM","programmingLanguage":"python"}}}`), caller{})
	if err != nil || fin.ID != r.ID || fin.Status != model.RunFailed || fin.Reason != "OOM" {
		t.Fatalf("FAIL: %+v %v", fin, err)
	}
	if late, err := in.Ingest(ctx, event("COMPLETE", id, ""), caller{}); err != nil || late.Status != model.RunFailed {
		t.Fatalf("late COMPLETE: %+v %v", late, err)
	}
	// A COMPLETE whose START was never seen records a finished run.
	other := "1b9d6a2e-6a1f-4c1e-9a7b-1f2e3d4c5b6a"
	if r, err := in.Ingest(ctx, event("COMPLETE", other, ""), caller{}); err != nil || r.Status != model.RunSucceeded {
		t.Fatalf("COMPLETE alone: %+v %v", r, err)
	}
	before, _ := p.m.ListRuns(ctx, model.RunFilter{Context: d})
	for name, b := range map[string][]byte{
		"bad uuid":      event("START", "nope", ""),
		"bad type":      event("BEGIN", id, ""),
		"no producer":   []byte(strings.Replace(string(event("START", "2b9d6a2e-6a1f-4c1e-9a7b-1f2e3d4c5b6a", "")), `"producer":"https://github.com/apache/airflow",`, "", 1)),
		"bad time":      []byte(strings.Replace(string(event("START", "3b9d6a2e-6a1f-4c1e-9a7b-1f2e3d4c5b6a", "")), "2026-12-07T10:00:00.000Z", "yesterday", 1)),
		"missing input": event("START", "4b9d6a2e-6a1f-4c1e-9a7b-1f2e3d4c5b6a", `,"inputs":[{"namespace":"datamon://default","name":"raw@nolabel"}]`),
		"not json":      []byte("{"),
		"two objects":   append(event("START", "5b9d6a2e-6a1f-4c1e-9a7b-1f2e3d4c5b6a", ""), []byte("{}")...),
	} {
		_, err := in.Ingest(ctx, b, caller{})
		want := model.ErrInvalid
		if name == "missing input" {
			want = model.ErrNotFound
		}
		if !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", name, err, want)
		}
	}
	if _, err := in.Ingest(ctx, event("START", "6b9d6a2e-6a1f-4c1e-9a7b-1f2e3d4c5b6a", ""), caller{deny: d}); !errors.Is(err, model.ErrPermission) {
		t.Errorf("no write on the context: %v", err)
	}
	if after, _ := p.m.ListRuns(ctx, model.RunFilter{Context: d}); len(after) != len(before) {
		t.Fatalf("refused events created runs: %d -> %d", len(before), len(after))
	}
}

func FuzzParseEvent(f *testing.F) {
	f.Add(event("START", "0b9d6a2e-6a1f-4c1e-9a7b-1f2e3d4c5b6a", ""))
	f.Add(event("COMPLETE", "0b9d6a2e-6a1f-4c1e-9a7b-1f2e3d4c5b6a", `,"inputs":[{"namespace":"a","name":"b"}]`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"eventType":"START","run":{"runId":1}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := runs.ParseEvent(b)
		if err != nil {
			if !errors.Is(err, model.ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		if err := runs.ValidateEvent(ev); err != nil {
			t.Fatalf("accepted an invalid event: %v", err)
		}
		js, _ := json.Marshal(ev)
		if _, err := runs.ParseEvent(js); err != nil {
			t.Fatalf("re-encoded event refused: %v", err)
		}
	})
}
