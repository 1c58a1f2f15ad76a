package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/jwtauth/jwtauthtest"
	"github.com/datamon-io/datamon/localcluster"
	"github.com/datamon-io/datamon/model"
)

// TestPython runs the Python package's tests (python/tests, Debian's
// pytest) and the example notebook (jupyter nbconvert --execute) against
// a real 3-node TLS cluster: the client.yaml the cluster writes (every
// node's URL, the root key, the CA) is what the Python client reads. The
// notebook runs first (the last pytest test kills a node mid-read).
func TestPython(t *testing.T) {
	t.Parallel() // own cluster, ports, HOME and tools: runs beside the other parallel e2e tests (doc.go)
	py := s3tool(t, "/usr/bin/python3")
	for _, mod := range []string{"pytest", "pandas", "fsspec", "nbconvert", "ipykernel"} {
		if out, err := exec.Command(py, "-c", "import "+mod).CombinedOutput(); err != nil {
			t.Fatalf("python module %s missing (scripts/deps.sh installs it): %s", mod, out)
		}
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	// Nodes trust a test JWT issuer (jwt_test.go): the bearer-token path of the client.
	is, err := jwtauthtest.NewIssuer(jwtIss)
	if err != nil {
		t.Fatal(err)
	}
	c := startCluster(t, 3, 3, "2+1", "--config", jwtNodeConfig(t, is))
	token := func(ttl time.Duration) string {
		s, err := is.Sign(2, is.Claims(jwtAud, "alice", ttl, "data-team"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	var pids []string
	for _, n := range c.Nodes {
		pids = append(pids, strconv.Itoa(n.PID()))
	}
	env := append(os.Environ(), "DATAMON_CONFIG="+c.ClientConfigPath(),
		"DATAMON_TEST_NODE_PIDS="+strings.Join(pids, ","), "PYTHONPATH="+filepath.Join(root, "python"),
		"PYTHONDONTWRITEBYTECODE=1", "HOME="+t.TempDir(),
		"DATAMON_TEST_TOKEN="+token(time.Hour), "DATAMON_TEST_TOKEN_EXPIRED="+token(-time.Hour))

	// A key that may write but not administer: its commits may name only its own runs.
	env = append(env, "DATAMON_TEST_WRITER_KEY="+writerKey(t, c))
	t.Run("notebook", func(t *testing.T) { runNotebook(t, c, py, root, env) })
	if t.Failed() {
		return
	}
	out, err := runPython(t, env, root, 4*time.Minute, py, "-m", "pytest", "-v", "-p", "no:cacheprovider",
		filepath.Join(root, "python", "tests"))
	summary := regexp.MustCompile(`(?m)^=+ (.*(passed|failed|error).*) =+$`).FindStringSubmatch(out)
	if len(summary) > 1 {
		t.Logf("pytest: %s", summary[1])
		reportPytest(t, summary[1])
	}
	if err != nil || len(summary) < 2 || strings.Contains(summary[1], "failed") || strings.Contains(summary[1], "error") {
		t.Fatalf("pytest: %v\n%s", err, out)
	}
	if n := strings.Count(out, " PASSED"); n < 20 {
		t.Fatalf("pytest ran %d tests, want at least 20:\n%s", n, out)
	}
}

// runPython runs a Python command that dies with the test binary.
func runPython(t *testing.T, env []string, dir string, limit time.Duration, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env, cmd.Dir, cmd.SysProcAttr = env, dir, dieWithTest()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// runNotebook seeds a labelled training bundle with the CLI, executes
// examples/notebooks/train.ipynb twice (the second run moves the label
// with if_match from the first's bundle) and checks what it committed.
func runNotebook(t *testing.T, c *localcluster.Cluster, py, root string, env []string) {
	src := t.TempDir()
	var csv strings.Builder
	csv.WriteString("x1,x2,y\n")
	for i := range 400 {
		x1, x2 := math.Sin(float64(i)), math.Cos(float64(i)*0.7)
		fmt.Fprintf(&csv, "%.6f,%.6f,%.6f\n", x1, x2, 3*x1-2*x2+0.5)
	}
	if err := os.WriteFile(filepath.Join(src, "train.csv"), []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, c, "repo", "create", "--repo", "training", "--description", "notebook input")
	mustCLI(t, c, "bundle", "upload", "--repo", "training", "--path", src, "--message", "data", "--label", "v1")
	nbEnv := append(env, "DATAMON_NB_REPO=training", "DATAMON_NB_LABEL=v1", "DATAMON_NB_OUT_REPO=models")
	var ids []string
	for run := range 2 {
		outNB := filepath.Join(t.TempDir(), "train.out.ipynb")
		out, err := runPython(t, nbEnv, filepath.Join(root, "examples", "notebooks"), 3*time.Minute, py, "-m", "jupyter",
			"nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=120", "--output", outNB, "train.ipynb")
		if err != nil {
			t.Fatalf("nbconvert run %d: %v\n%s", run, err, out)
		}
		var lbl struct {
			BundleID string `json:"bundle_id"`
		}
		if err := json.Unmarshal([]byte(mustCLI(t, c, "label", "get", "--repo", "models", "--label", "model", "--output", "json")), &lbl); err != nil || lbl.BundleID == "" {
			t.Fatalf("label model after run %d: %+v %v", run, lbl, err)
		}
		ids = append(ids, lbl.BundleID)
	}
	if ids[0] == ids[1] {
		t.Fatalf("second run did not move the label: %v", ids)
	}
	files := mustCLI(t, c, "bundle", "list", "files", "--repo", "models", "--bundle", ids[1])
	for _, f := range []string{"model.json", "metrics.csv", "predictions.csv"} {
		if !strings.Contains(files, f) {
			t.Fatalf("bundle %s lacks %s:\n%s", ids[1], f, files)
		}
	}
	dst := t.TempDir()
	mustCLI(t, c, "bundle", "download", "--repo", "models", "--label", "model", "--destination", dst)
	var model struct {
		Coef      []float64 `json:"coef"`
		Intercept float64   `json:"intercept"`
		Source    struct{ Bundle string }
	}
	b, err := os.ReadFile(filepath.Join(dst, "model.json"))
	if err != nil || json.Unmarshal(b, &model) != nil {
		t.Fatalf("model.json: %v %s", err, b)
	}
	if len(model.Coef) != 2 || math.Abs(model.Coef[0]-3) > 1e-3 || math.Abs(model.Coef[1]+2) > 1e-3 || math.Abs(model.Intercept-0.5) > 1e-3 {
		t.Fatalf("model fitted wrong: %+v", model)
	}
	gc, err := c.Client()
	if err != nil {
		t.Fatal(err)
	}
	hist, err := gc.LabelHistory(context.Background(), "default", "models", "model")
	if err != nil || len(hist) != 2 || hist[0].To != ids[0] || hist[1].From != ids[0] || hist[1].To != ids[1] {
		t.Fatalf("label history %+v %v, want create %s then %s -> %s", hist, err, ids[0], ids[0], ids[1])
	}
	checkNotebookRuns(t, gc, ids)
}

// checkNotebookRuns checks the runs the two notebook executions recorded:
// both succeeded, each names the training bundle as its input, the bundle
// it committed as its output, and the fit's error as a metric.
func checkNotebookRuns(t *testing.T, gc *client.Client, ids []string) {
	src, err := gc.GetLabel(context.Background(), "default", "training", "v1")
	if err != nil {
		t.Fatal(err)
	}
	runs, err := gc.ListRuns(context.Background(), model.RunFilter{Context: "default", Name: "train-linear"})
	if err != nil || len(runs) != 2 {
		t.Fatalf("notebook runs: %d %v, want 2", len(runs), err)
	}
	for i, r := range runs {
		if r.Status != model.RunSucceeded {
			t.Errorf("run %s: status %s, want succeeded", r.ID, r.Status)
		}
		if len(r.Inputs) != 1 || r.Inputs[0].Repo != "training" || r.Inputs[0].Bundle != src.BundleID {
			t.Errorf("run %s inputs %+v, want training bundle %s", r.ID, r.Inputs, src.BundleID)
		}
		if len(r.Outputs) != 1 || r.Outputs[0].Repo != "models" || r.Outputs[0].Bundle != ids[i] {
			t.Errorf("run %s outputs %+v, want models bundle %s", r.ID, r.Outputs, ids[i])
		}
		if rmse, ok := r.Metrics["rmse"]; !ok || rmse < 0 || rmse > 1e-3 {
			t.Errorf("run %s metrics %v, want an rmse near 0", r.ID, r.Metrics)
		}
		b, err := gc.GetBundle(context.Background(), "default", "models", ids[i])
		if err != nil || b.Run != r.ID {
			t.Errorf("bundle %s names run %q (%v), want %s", ids[i], b.Run, err, r.ID)
		}
	}
}

// writerKey creates an access key of user "writer" with write on the
// default context and returns it as ID:SECRET.
func writerKey(t *testing.T, c *localcluster.Cluster) string {
	gc, err := c.Client()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gc.CreateUser(context.Background(), "writer", "writer@example.com"); err != nil {
		t.Fatal(err)
	}
	k, err := gc.CreateKey(context.Background(), "writer", []string{"default/*=write"})
	if err != nil {
		t.Fatal(err)
	}
	return k.ID + ":" + k.Secret
}

// reportPytest writes the pytest counts to $DATAMON_PYTEST_SUMMARY when set:
// `make test` prints that file after `go test`, whose output for a passing
// package is only its "ok" line.
func reportPytest(t *testing.T, summary string) {
	path := os.Getenv("DATAMON_PYTEST_SUMMARY")
	if path == "" {
		return
	}
	count := func(word string) string {
		if m := regexp.MustCompile(`(\d+) ` + word).FindStringSubmatch(summary); m != nil {
			return m[1]
		}
		return "0"
	}
	line := fmt.Sprintf("python tests (pytest in e2e TestPython): %s passed, %s failed, %s errors\n",
		count("passed"), count("failed"), count("errors?"))
	if err := os.WriteFile(path, []byte(line), 0o644); err != nil {
		t.Errorf("write %s: %v", path, err)
	}
}
