package runs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/datamon-io/datamon/model"
)

// Heartbeater extends a run's lease (client.Client).
type Heartbeater interface {
	HeartbeatRun(ctx context.Context, id string) (model.Run, error)
}

// SuperviseConfig configures Supervise.
type SuperviseConfig struct {
	// Lease of the run: a heartbeat goes out every Lease/3.
	Lease time.Duration
	// Signals are forwarded to the command (default SIGINT, SIGTERM,
	// SIGHUP, SIGQUIT).
	Signals []os.Signal
	Logger  *slog.Logger
}

// Outcome is how a supervised command ended.
type Outcome struct {
	Status   model.RunStatus
	Reason   string
	ExitCode int // the command's, or 128+signal
}

// Supervise starts cmd (its environment already names the run), sends
// heartbeats for run id while it runs, forwards signals to it, and maps
// its end to a run status: exit 0 succeeded, anything else (an exit code,
// a signal, a start failure) failed. If this process dies without
// reporting, the heartbeats stop and the cluster fails the run when the
// lease expires; on Linux the command is then killed too (Pdeathsig).
func Supervise(ctx context.Context, hb Heartbeater, id string, cmd *exec.Cmd, cfg SuperviseConfig) Outcome {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if len(cfg.Signals) == 0 {
		cfg.Signals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}
	}
	setDeathSignal(cmd)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, cfg.Signals...)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return Outcome{Status: model.RunFailed, Reason: fmt.Sprintf("start %s: %v", cmd.Path, err), ExitCode: 127}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	every := cfg.Lease / 3
	if every <= 0 {
		every = time.Hour // no lease: no heartbeats needed
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case err := <-done:
			return outcome(err)
		case s := <-sigs:
			cfg.Logger.Info("forwarding signal", "signal", s, "pid", cmd.Process.Pid)
			_ = cmd.Process.Signal(s)
		case <-t.C:
			hctx, cancel := context.WithTimeout(ctx, every)
			if _, err := hb.HeartbeatRun(hctx, id); err != nil {
				cfg.Logger.Warn("run heartbeat", "run", id, "err", err)
			}
			cancel()
		}
	}
}

func outcome(err error) Outcome {
	if err == nil {
		return Outcome{Status: model.RunSucceeded}
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return Outcome{Status: model.RunFailed, Reason: "signal: " + ws.Signal().String(), ExitCode: 128 + int(ws.Signal())}
		}
		return Outcome{Status: model.RunFailed, Reason: fmt.Sprintf("exit status %d", ee.ExitCode()), ExitCode: ee.ExitCode()}
	}
	return Outcome{Status: model.RunFailed, Reason: err.Error(), ExitCode: 1}
}
