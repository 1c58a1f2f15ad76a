package sidecar

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Run runs the phases and returns the exit code the process should end
// with; the status file says the same. ctx ending (SIGTERM) fails the
// current phase.
func Run(ctx context.Context, cfg Config) int {
	if err := cfg.Validate(); err != nil {
		cfg.Logger.Error("sidecar", "err", err)
		return ExitUsage
	}
	r := &runner{cfg: cfg, st: Status{State: StateRunning, Started: time.Now().UTC()}}
	code := r.run(ctx)
	r.unmountInputs()
	if code == ExitOK {
		r.st.State, r.st.Phase, r.st.Reason = StateSucceeded, PhaseDone, ""
	}
	r.st.ExitCode = code
	r.save()
	return code
}

type runner struct {
	cfg    Config
	st     Status
	mounts []mounted // inputs mounted so far
}

type mounted struct {
	dir string
	pid int
}

func (r *runner) save() {
	if err := writeStatus(r.cfg.StatusFile, r.st); err != nil {
		r.cfg.Logger.Error("sidecar: cannot write the status file", "err", err)
	}
}

func (r *runner) phase(p string) {
	r.st.Phase = p
	r.save()
	r.cfg.Logger.Info("sidecar phase", "phase", p)
}

// fail records a failure of the current phase.
func (r *runner) fail(code int, format string, args ...any) int {
	r.st.State, r.st.Reason, r.st.ExitCode = StateFailed, fmt.Sprintf(format, args...), code
	r.cfg.Logger.Error("sidecar failed", "phase", r.st.Phase, "reason", r.st.Reason, "exit", code)
	return code
}

func (r *runner) run(ctx context.Context) int {
	r.phase(PhaseConnect)
	if _, _, err := r.datamon(ctx, r.cfg.ConnectTimeout, "cluster", "status"); err != nil {
		return r.fail(ExitUnreachable, "cluster unreachable within %v: %v", r.cfg.ConnectTimeout, err)
	}
	r.phase(PhaseInputs)
	for _, in := range r.cfg.Inputs {
		if code := r.mountInput(ctx, in); code != ExitOK {
			return code
		}
	}
	r.st.State = StateReady
	r.phase(PhaseApp)
	if code := r.app(ctx); code != ExitOK {
		return code
	}
	r.st.State = StateRunning
	r.phase(PhaseOutputs)
	return r.commitOutputs(ctx)
}

// datamon runs the datamon binary within timeout; code is its exit status.
func (r *runner) datamon(ctx context.Context, timeout time.Duration, args ...string) (string, int, error) {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	args = append(args, "--context="+r.cfg.Context)
	cmd := exec.CommandContext(cctx, r.cfg.Binary, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if err == nil {
		return out.String(), 0, nil
	}
	code := -1
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	}
	if cctx.Err() != nil {
		return out.String(), code, fmt.Errorf("timed out after %v: %s", timeout, tail(errb.String()))
	}
	return out.String(), code, fmt.Errorf("%v: %s", err, tail(errb.String()))
}

func tail(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 && len(s) > 400 {
		s = s[i+1:]
	}
	return s
}

func (r *runner) mountInput(ctx context.Context, in Spec) int {
	if err := os.MkdirAll(in.Dir, 0o755); err != nil {
		return r.fail(ExitMountFailed, "input %s: %v", in.Dir, err)
	}
	// Looked up first: the CLI exits 2 (ENOENT) when it does not exist,
	// which a daemonized mount's exit status does not carry.
	look := []string{"label", "get", "--repo=" + in.Repo, "--label=" + in.Label}
	args := []string{"bundle", "mount", "--repo=" + in.Repo, "--mount=" + in.Dir, "--daemonize"}
	if in.Bundle != "" {
		look = []string{"bundle", "get", "--repo=" + in.Repo, "--bundle=" + in.Bundle}
		args = append(args, "--bundle="+in.Bundle)
	} else {
		args = append(args, "--label="+in.Label)
	}
	if _, code, err := r.datamon(ctx, r.cfg.ConnectTimeout, look...); err != nil {
		if code == 2 {
			return r.fail(ExitInputMissing, "input %s:%s%s missing: %v", in.Repo, in.Label, in.Bundle, err)
		}
		return r.fail(ExitMountFailed, "input %s:%s%s: look-up failed: %v", in.Repo, in.Label, in.Bundle, err)
	}
	out, code, err := r.datamon(ctx, r.cfg.MountTimeout, args...)
	if err != nil {
		if code == 2 { // the CLI's ENOENT: context, repo, label or bundle missing
			return r.fail(ExitInputMissing, "input %s:%s%s missing: %v", in.Repo, in.Label, in.Bundle, err)
		}
		return r.fail(ExitMountFailed, "input %s at %s: %v", in.Repo, in.Dir, err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(out))
	r.mounts = append(r.mounts, mounted{dir: in.Dir, pid: pid})
	return ExitOK
}

// unmountInputs unmounts every input and waits (bounded) for its process.
func (r *runner) unmountInputs() {
	for _, m := range r.mounts {
		if out, err := exec.Command("fusermount3", "-u", "-z", m.dir).CombinedOutput(); err != nil {
			r.cfg.Logger.Warn("sidecar: unmount", "dir", m.dir, "err", err, "out", string(out))
		}
		deadline := time.Now().Add(30 * time.Second)
		for processAlive(m.pid) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if processAlive(m.pid) {
			killProcess(m.pid)
		}
	}
	r.mounts = nil
}
