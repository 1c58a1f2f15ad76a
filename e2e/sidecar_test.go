//go:build linux

package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/datamon-io/datamon/localcluster"
	"github.com/datamon-io/datamon/sidecar"
)

// sidecarRun runs `datamon sidecar args...` as the cluster's client and
// returns its exit code, the status file and how long it took.
func sidecarRun(t *testing.T, c *localcluster.Cluster, env []string, args ...string) (int, sidecar.Status, time.Duration) {
	t.Helper()
	status := filepath.Join(t.TempDir(), "shared", "status.json")
	cmd := exec.Command(binary, append([]string{"sidecar", "--status-file", status}, args...)...)
	cmd.Env = append(append(os.Environ(), "DATAMON_CONFIG="+c.ClientConfigPath()), env...)
	cmd.SysProcAttr = dieWithTest()
	start := time.Now()
	out, err := cmd.CombinedOutput()
	el := time.Since(start)
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	var st sidecar.Status
	b, rerr := os.ReadFile(status)
	if rerr != nil || json.Unmarshal(b, &st) != nil {
		t.Fatalf("status file after exit %d: %v %s\noutput:\n%s", code, rerr, b, out)
	}
	t.Logf("sidecar %v: exit %d in %v, status %+v", args, code, el.Round(time.Millisecond), st)
	return code, st, el
}

// TestSidecar runs `datamon sidecar` as a process against a real cluster:
// the success path (input mounted, application run, output committed on
// its label), and every failure path ending within its bound with its
// status and exit code.
func TestSidecar(t *testing.T) {
	requireFUSE(t)
	c := startCluster(t, 3, 3, "")
	src := t.TempDir()
	fuseMust(t, os.WriteFile(filepath.Join(src, "x.txt"), []byte("input\n"), 0o644))
	fuseUpload(t, c, "sidein", src, "v1")
	mustCLI(t, c, "repo", "create", "--repo", "sideout", "--description", "sidecar outputs")
	work := t.TempDir()
	in, out := filepath.Join(work, "in"), filepath.Join(work, "out")
	fuseMust(t, os.MkdirAll(out, 0o755))

	// Success: the application copies the input to the output.
	code, st, _ := sidecarRun(t, c, nil, "--input", "sidein:v1:"+in, "--output", "sideout:done:"+out, "--",
		"sh", "-c", fmt.Sprintf("cp %s/x.txt %s/y.txt", in, out))
	if code != 0 || st.State != sidecar.StateSucceeded || len(st.Outputs) != 1 || st.Outputs[0].Bundle == "" {
		t.Fatalf("success path: exit %d status %+v", code, st)
	}
	b := csiLabelBundle(t, c, "sideout", "done")
	if b.ID != st.Outputs[0].Bundle {
		t.Errorf("label done -> %s, status says %s", b.ID, st.Outputs[0].Bundle)
	}
	csiExpectBundleFile(t, c, b, "y.txt", "input\n")
	if fuseMounted(in) {
		t.Errorf("input %s still mounted after the sidecar ended", in)
	}

	cases := []struct {
		name  string
		env   []string
		args  []string
		code  int
		phase string
		bound time.Duration
	}{
		{"input missing", nil, []string{"--input", "sidein:nope:" + in, "--", "true"}, sidecar.ExitInputMissing, sidecar.PhaseInputs, 30 * time.Second},
		{"app fails", nil, []string{"--input", "sidein:v1:" + in, "--output", "sideout:done:" + out, "--", "sh", "-c", "exit 3"}, sidecar.ExitAppFailed, sidecar.PhaseApp, 30 * time.Second},
		{"app never reports", nil, []string{"--wait-for", filepath.Join(work, "never"), "--app-timeout", "2s"}, sidecar.ExitAppTimeout, sidecar.PhaseApp, 20 * time.Second},
		{"app hangs", nil, []string{"--app-timeout", "2s", "--", "sleep", "600"}, sidecar.ExitAppTimeout, sidecar.PhaseApp, 20 * time.Second},
		{"commit fails", nil, []string{"--output", "no-such-repo:x:" + out, "--", "true"}, sidecar.ExitCommitFailed, sidecar.PhaseOutputs, 60 * time.Second},
		{"cluster unreachable", []string{"DATAMON_SERVER=https://127.0.0.1:1"}, []string{"--connect-timeout", "3s", "--", "true"}, sidecar.ExitUnreachable, sidecar.PhaseConnect, 20 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, st, el := sidecarRun(t, c, tc.env, tc.args...)
			if code != tc.code || st.State != sidecar.StateFailed || st.Phase != tc.phase || st.ExitCode != tc.code || st.Reason == "" {
				t.Errorf("exit %d status %+v; want exit %d, failed in phase %s with a reason", code, st, tc.code, tc.phase)
			}
			if el > tc.bound {
				t.Errorf("took %v, bound %v", el, tc.bound)
			}
			if fuseMounted(in) {
				t.Errorf("input %s left mounted", in)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(out, "y.txt")); err != nil {
		t.Errorf("output data lost after the failed commit: %v", err)
	}
}
