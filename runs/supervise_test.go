//go:build unix

package runs_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/runs"
)

type countBeats struct{ n atomic.Int64 }

func (c *countBeats) HeartbeatRun(context.Context, string) (model.Run, error) {
	c.n.Add(1)
	return model.Run{}, nil
}

// Supervise heartbeats while the command runs, forwards signals to it and
// maps its end to a run status and exit code.
func TestSupervise(t *testing.T) {
	ctx := context.Background()
	hb := &countBeats{}
	if out := runs.Supervise(ctx, hb, "r", exec.Command("sh", "-c", "exit 0"), runs.SuperviseConfig{}); out.Status != model.RunSucceeded || out.ExitCode != 0 {
		t.Fatalf("exit 0: %+v", out)
	}
	if out := runs.Supervise(ctx, hb, "r", exec.Command("sh", "-c", "exit 4"), runs.SuperviseConfig{}); out.Status != model.RunFailed || out.Reason != "exit status 4" || out.ExitCode != 4 {
		t.Fatalf("exit 4: %+v", out)
	}
	if out := runs.Supervise(ctx, hb, "r", exec.Command("/nonexistent/step"), runs.SuperviseConfig{}); out.Status != model.RunFailed || out.ExitCode != 127 {
		t.Fatalf("missing command: %+v", out)
	}
	ready := filepath.Join(t.TempDir(), "ready")
	cmd := exec.Command("sh", "-c", `trap 'exit 7' USR1; : > "$1"; while :; do sleep 0.01; done`, "sh", ready)
	done := make(chan runs.Outcome, 1)
	go func() {
		done <- runs.Supervise(ctx, hb, "r", cmd, runs.SuperviseConfig{Lease: 30 * time.Millisecond, Signals: []os.Signal{syscall.SIGUSR1}})
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(ready); err == nil && hb.n.Load() >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("step not ready or no heartbeats (%d)", hb.n.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
	// A signal to this process (Supervise asked for SIGUSR1, so it does not
	// kill the test) reaches the step, which traps it.
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	out := <-done
	if out.Status != model.RunFailed || out.Reason != "exit status 7" || out.ExitCode != 7 {
		t.Fatalf("terminated step: %+v", out)
	}
}
