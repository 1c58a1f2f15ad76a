package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/localcluster"
)

var binary string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	binary = os.Getenv("DATAMON_BIN")
	if binary == "" {
		dir, err := os.MkdirTemp("", "datamon-e2e-bin")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		binary = filepath.Join(dir, "datamon")
		cmd := exec.Command("go", "build", "-o", binary, "../cmd/datamon")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: build datamon:", err)
			return 1
		}
	}
	// Daemonized FUSE mounts (bundle mount --daemonize, the CSI driver's,
	// the sidecar's) run in their own session, out of reach of Pdeathsig:
	// they inherit this and unmount when the test binary ends, even on a
	// timeout panic.
	os.Setenv("DATAMON_EXIT_WITH_PID", strconv.Itoa(os.Getpid()))
	return m.Run()
}

// startCluster starts a cluster for one test and stops it (and dumps node logs
// on failure) at cleanup.
func startCluster(t *testing.T, nodes, sites int, ec string, extra ...string) *localcluster.Cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("multi-process cluster test; run without -short")
	}
	cfg := localcluster.DefaultConfig()
	cfg.Nodes, cfg.Sites, cfg.EC = nodes, sites, ec
	cfg.Dir = t.TempDir()
	cfg.Binary = binary
	cfg.ExtraArgs = extra
	cfg.ReadyTimeout = 90 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := localcluster.Start(ctx, cfg)
	if err != nil {
		dumpLogs(t, cfg.Dir)
		t.Fatalf("start cluster: %v", err)
	}
	trustCluster(t, c)
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("stop cluster: %v", err)
		}
		if t.Failed() {
			dumpLogs(t, cfg.Dir)
		}
	})
	return c
}

func dumpLogs(t *testing.T, dir string) {
	logs, _ := filepath.Glob(filepath.Join(dir, "*", "node.log"))
	for _, l := range logs {
		b, _ := os.ReadFile(l)
		if len(b) > 6000 {
			b = b[len(b)-6000:]
		}
		t.Logf("---- %s (tail) ----\n%s", l, b)
	}
}

// cliResult is one CLI invocation's outcome.
type cliResult struct {
	Stdout, Stderr string
	Code           int
}

// cli runs the datamon binary with the cluster's client config.
func cli(t *testing.T, c *localcluster.Cluster, args ...string) cliResult {
	t.Helper()
	return cliIn(t, c, nil, args...)
}

func cliIn(t *testing.T, c *localcluster.Cluster, stdin []byte, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(os.Environ(), "DATAMON_CONFIG="+c.ClientConfigPath())
	cmd.SysProcAttr = dieWithTest()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return cliResult{Stdout: out.String(), Stderr: errb.String(), Code: code}
}

// mustCLI runs the CLI and fails the test on a non-zero exit.
func mustCLI(t *testing.T, c *localcluster.Cluster, args ...string) string {
	t.Helper()
	r := cli(t, c, args...)
	if r.Code != 0 {
		t.Fatalf("datamon %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.Code, r.Stdout, r.Stderr)
	}
	return r.Stdout
}
