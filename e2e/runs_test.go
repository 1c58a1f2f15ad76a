package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/datamon-io/datamon/localcluster"
	"github.com/datamon-io/datamon/model"
)

func mustEnv(t *testing.T, c *localcluster.Cluster, env []string, args ...string) string {
	t.Helper()
	r := cliEnv(t, c, env, args...)
	if r.Code != 0 {
		t.Fatalf("datamon %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.Code, r.Stdout, r.Stderr)
	}
	return r.Stdout
}

// Each step is a shell script doing what a pipeline step does: read the
// previous step's label, write a bundle. DATAMON_RUN comes from run exec.
const (
	ingestSh = `set -e
mkdir -p "$WORK/raw"
printf 'x,y\n1,2\n3,4\n' > "$WORK/raw/data.csv"
datamon bundle upload --repo raw --path "$WORK/raw" --message ingest --label main
`
	trainSh = `set -e
datamon bundle download --repo raw --label main --destination "$WORK/train-in"
mkdir -p "$WORK/model"
{ cat "$WORK/train-in/data.csv"; echo "weights: 0.5"; } > "$WORK/model/model.txt"
datamon run log-metric loss 0.9 --step 1
datamon run log-metric loss 0.25 --step 2
datamon bundle upload --repo model --path "$WORK/model" --message train --label main
`
	evalSh = `set -e
datamon bundle download --repo model --label main --destination "$WORK/eval-in"
mkdir -p "$WORK/report"
grep -c weights "$WORK/eval-in/model.txt" > "$WORK/report/score.txt"
datamon bundle upload --repo report --path "$WORK/report" --message evaluate --label main
`
)

func getRun(t *testing.T, c *localcluster.Cluster, id string) model.Run {
	t.Helper()
	var r model.Run
	if err := json.Unmarshal([]byte(mustCLI(t, c, "run", "get", id, "--output", "json")), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func runByName(t *testing.T, c *localcluster.Cluster, name string) model.Run {
	t.Helper()
	var rs []model.Run
	if err := json.Unmarshal([]byte(mustCLI(t, c, "run", "list", "--name", name, "--output", "json")), &rs); err != nil || len(rs) != 1 {
		t.Fatalf("run list --name %s: %+v %v", name, rs, err)
	}
	return rs[0]
}

// TestRunsPipelineLineage: ingest -> train -> evaluate as real processes
// under `run exec`; lineage upstream of the final bundle names every run,
// input and code ref; downstream of the first names the rest; a failing
// step finishes failed with its exit code; bad input exits as documented.
func TestRunsPipelineLineage(t *testing.T) {
	t.Parallel() // own cluster, ports, HOME and tools: runs beside the other parallel e2e tests (doc.go)
	c := startCluster(t, 3, 1, "")
	work := t.TempDir()
	for name, body := range map[string]string{"ingest.sh": ingestSh, "train.sh": trainSh, "eval.sh": evalSh} {
		if err := os.WriteFile(filepath.Join(work, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []string{"raw", "model", "report"} {
		mustCLI(t, c, "repo", "create", "--repo", r, "--description", r)
	}
	// The scripts call `datamon`: a directory where that name is this binary.
	binDir := t.TempDir()
	abs, err := filepath.Abs(binary)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(abs, filepath.Join(binDir, "datamon")); err != nil {
		t.Fatal(err)
	}
	env := []string{"WORK=" + work, "PATH=" + binDir + ":" + os.Getenv("PATH")}
	steps := []struct{ name, script, code string }{
		{"ingest", "ingest.sh", "https://git.example/pipe@1111111"},
		{"train", "train.sh", "https://git.example/pipe@2222222+dirty"},
		{"evaluate", "eval.sh", "https://git.example/pipe@3333333"},
	}
	for _, s := range steps {
		mustEnv(t, c, env, "run", "exec", "--name", s.name, "--pipeline", "demo", "--step", s.name,
			"--param", "seed=42", "--code-ref", s.code, "--", "sh", filepath.Join(work, s.script))
	}
	ingest, train, eval := runByName(t, c, "ingest"), runByName(t, c, "train"), runByName(t, c, "evaluate")
	for _, r := range []model.Run{ingest, train, eval} {
		if r.Status != model.RunSucceeded || len(r.Outputs) != 1 || r.Ended.IsZero() || r.Owner == "" {
			t.Fatalf("run %s: %+v", r.Name, r)
		}
	}
	if len(train.Inputs) != 1 || train.Inputs[0].Repo != "raw" || train.Inputs[0].Label != "main" ||
		train.Inputs[0].Bundle != ingest.Outputs[0].Bundle {
		t.Fatalf("train inputs %+v, ingest outputs %+v", train.Inputs, ingest.Outputs)
	}
	if train.Metrics["loss"] != 0.25 || train.Points != 2 || !train.Code.Dirty || train.Params["seed"] != "42" {
		t.Fatalf("train: %+v", train)
	}
	if out := mustCLI(t, c, "run", "get", train.ID, "--metrics"); !strings.Contains(out, "point: loss=0.9 step=1") {
		t.Fatalf("run get --metrics:\n%s", out)
	}
	var final model.Bundle
	if err := json.Unmarshal([]byte(mustCLI(t, c, "bundle", "get", "--repo", "report", "--label", "main", "--output", "json")), &final); err != nil {
		t.Fatal(err)
	}
	if final.ID != eval.Outputs[0].Bundle || final.Run != eval.ID {
		t.Fatalf("final bundle's run %q, want %s", final.Run, eval.ID)
	}

	// Upstream of the final bundle: every run, input and code ref.
	var up model.Lineage
	if err := json.Unmarshal([]byte(mustCLI(t, c, "lineage", "upstream", "report@main", "--output", "json")), &up); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, n := range up.Nodes {
		if n.Run != nil {
			seen[n.Run.Name+"@"+n.Run.Code.Commit] = true
		}
		if n.Bundle != nil {
			seen[n.Bundle.Repo] = true
		}
	}
	for _, want := range []string{"ingest@1111111", "train@2222222", "evaluate@3333333", "raw", "model", "report"} {
		if !seen[want] {
			t.Errorf("upstream lacks %s: %v", want, seen)
		}
	}
	tree := mustCLI(t, c, "lineage", "upstream", "report@main")
	for _, want := range []string{"evaluate", "train", "ingest", "2222222+dirty", "(label main)"} {
		if !strings.Contains(tree, want) {
			t.Errorf("tree lacks %q:\n%s", want, tree)
		}
	}
	// Downstream of the first bundle: the rest.
	raw := ingest.Outputs[0].Bundle
	dot := mustCLI(t, c, "lineage", "downstream", "raw@"+raw, "--output", "dot")
	for _, want := range []string{"digraph lineage", "run:" + train.ID, "run:" + eval.ID, "/model@", "/report@"} {
		if !strings.Contains(dot, want) {
			t.Errorf("downstream dot lacks %q:\n%s", want, dot)
		}
	}
	if strings.Contains(dot, "run:"+ingest.ID) {
		t.Errorf("downstream of raw names its producer:\n%s", dot)
	}
	if d1 := mustCLI(t, c, "lineage", "upstream", "report@main", "--depth", "1"); strings.Contains(d1, "ingest") {
		t.Errorf("depth 1 reached ingest:\n%s", d1)
	}

	// A failing step: the run fails with its exit code, run exec exits with it.
	r := cliEnv(t, c, env, "run", "exec", "--name", "broken", "--", "sh", "-c", "exit 3")
	if r.Code != 3 {
		t.Fatalf("run exec of exit 3: %d %s", r.Code, r.Stderr)
	}
	if b := runByName(t, c, "broken"); b.Status != model.RunFailed || b.Reason != "exit status 3" {
		t.Fatalf("broken: %+v", b)
	}
	r = cliEnv(t, c, env, "run", "exec", "--name", "selfkill", "--", "sh", "-c", "kill -9 $$")
	if b := runByName(t, c, "selfkill"); r.Code != 137 || b.Status != model.RunFailed || !strings.Contains(b.Reason, "killed") {
		t.Fatalf("step killed by SIGKILL: exit %d, %+v", r.Code, b)
	}

	// OpenLineage events from another emitter become a run.
	evFile := filepath.Join(work, "ol.jsonl")
	ol := `{"eventType":"%s","eventTime":"2026-12-07T10:00:00Z","run":{"runId":"0b9d6a2e-6a1f-4c1e-9a7b-1f2e3d4c5b6a"},` +
		`"job":{"namespace":"datamon://default","name":"spark-etl"},"inputs":[{"namespace":"datamon://default","name":"raw@main"}],` +
		`"producer":"https://spark.example","schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json"}` + "\n"
	if err := os.WriteFile(evFile, []byte(strings.ReplaceAll(ol, "%s", "START")+strings.ReplaceAll(ol, "%s", "COMPLETE")), 0o600); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, c, "lineage", "post", evFile)
	if sp := runByName(t, c, "spark-etl"); sp.Status != model.RunSucceeded || len(sp.Inputs) != 1 || sp.Inputs[0].Bundle != raw {
		t.Fatalf("ingested run: %+v", sp)
	}
	if r := cli(t, c, "lineage", "post", filepath.Join(work, "ingest.sh")); r.Code != 64 {
		t.Fatalf("lineage post of a non-event: exit %d", r.Code)
	}

	// Bad input.
	for _, args := range [][]string{
		{"run", "get", "000000000000000000000000000"}, {"run", "get", "nope"},
		{"lineage", "upstream", "000000000000000000000000000"}, {"run", "start", "--name", "x", "--input", "raw@nolabel"},
		{"run", "finish", "--run", "000000000000000000000000000", "--status", "failed"},
	} {
		if r := cli(t, c, args...); r.Code != 2 {
			t.Errorf("datamon %s: exit %d, want 2 (%s)", strings.Join(args, " "), r.Code, r.Stderr)
		}
	}
	for _, args := range [][]string{
		{"run", "log-metric", "--run", train.ID, "loss", "abc"},
		{"run", "start", "--name", "x", "--param", "k=" + strings.Repeat("v", model.RunMaxValue+1)},
		{"run", "start", "--name", "x", "--param", "novalue"},
		{"run", "start", "--name", "x", "--input", "raw"},
		{"run", "finish", "--run", train.ID, "--status", "done"},
		{"lineage", "sideways", train.ID},
	} {
		if r := cli(t, c, args...); r.Code != 64 {
			t.Errorf("datamon %s: exit %d, want 64 (%s)", strings.Join(args, " "), r.Code, r.Stderr)
		}
	}
	if r := cli(t, c, "run", "finish", "--run", train.ID, "--status", "failed"); r.Code != 3 {
		t.Errorf("finish a finished run: exit %d (%s)", r.Code, r.Stderr)
	}
	if got := getRun(t, c, train.ID); got.Status != model.RunSucceeded {
		t.Fatalf("refused finish changed the run: %+v", got)
	}
}

// TestRunsLeaseExpiry: `run exec` SIGKILLed while its step runs cannot
// report; its heartbeats stop, the leader fails the run when the lease
// (2s here) expires, and the step dies with run exec (Pdeathsig).
func TestRunsLeaseExpiry(t *testing.T) {
	t.Parallel() // own cluster, ports, HOME and tools: runs beside the other parallel e2e tests (doc.go)
	c := startCluster(t, 3, 1, "")
	work := t.TempDir()
	ready := filepath.Join(work, "ready")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "run", "exec", "--name", "doomed", "--", "sh", "-c", `echo $$ > "$READY.tmp"; mv "$READY.tmp" "$READY"; exec sleep 600`)
	cmd.Env = append(os.Environ(), "DATAMON_CONFIG="+c.ClientConfigPath(), "DATAMON_RUN_LEASE=2s", "READY="+ready)
	cmd.SysProcAttr = dieWithTest()
	var errb bytes.Buffer
	cmd.Stderr = &errb
	cmd.WaitDelay = 5 * time.Second // the step holds the pipe until it dies
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var childPID int
	deadline := time.Now().Add(60 * time.Second)
	for {
		if b, err := os.ReadFile(ready); err == nil {
			childPID, _ = strconv.Atoi(strings.TrimSpace(string(b)))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the step never started: %s", errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	run := runByName(t, c, "doomed")
	if run.Status != model.RunRunning || run.Lease != 2*time.Second {
		t.Fatalf("running: %+v", run)
	}
	// Heartbeats keep it alive past its first lease: poll until the
	// leader's lease end moved beyond the first one by more than a lease.
	deadline = time.Now().Add(30 * time.Second)
	for {
		r := getRun(t, c, run.ID)
		if r.Status != model.RunRunning {
			t.Fatalf("heartbeating run: %+v", r)
		}
		if r.LeaseUntil.After(run.LeaseUntil.Add(r.Lease)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("lease never extended: %+v", r)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline = time.Now().Add(30 * time.Second)
	for {
		r := getRun(t, c, run.ID)
		if r.Status == model.RunFailed {
			if !strings.Contains(r.Reason, "lease expired") || r.Ended.IsZero() {
				t.Fatalf("failed run: %+v", r)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("run still %s 30s after its process was killed", r.Status)
		}
		time.Sleep(100 * time.Millisecond)
	}
	deadline = time.Now().Add(10 * time.Second)
	for syscall.Kill(childPID, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("step %d outlived run exec", childPID)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
