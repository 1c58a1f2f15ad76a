package sidecar

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// app runs the application, or waits for the exit code it reports.
func (r *runner) app(ctx context.Context) int {
	actx, cancel := context.WithTimeout(ctx, r.cfg.AppTimeout)
	defer cancel()
	if len(r.cfg.Command) == 0 {
		return r.waitDone(actx)
	}
	cmd := exec.CommandContext(actx, r.cfg.Command[0], r.cfg.Command[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second // then SIGKILL
	err := cmd.Run()
	if actx.Err() != nil {
		return r.fail(ExitAppTimeout, "the application did not finish within %v", r.cfg.AppTimeout)
	}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		c := ee.ExitCode()
		r.st.AppExit = &c
		return r.fail(ExitAppFailed, "the application failed: %v; outputs not committed", err)
	case err != nil:
		return r.fail(ExitAppFailed, "the application did not start: %v", err)
	}
	zero := 0
	r.st.AppExit = &zero
	return 0
}

// waitDone polls for the done file (the application's exit code).
func (r *runner) waitDone(ctx context.Context) int {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		if b, err := os.ReadFile(r.cfg.DoneFile); err == nil && strings.TrimSpace(string(b)) != "" {
			c, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil {
				return r.fail(ExitAppFailed, "done file %s holds %q, not an exit code", r.cfg.DoneFile, strings.TrimSpace(string(b)))
			}
			r.st.AppExit = &c
			if c != 0 {
				return r.fail(ExitAppFailed, "the application reported exit code %d; outputs not committed", c)
			}
			return 0
		}
		select {
		case <-ctx.Done():
			return r.fail(ExitAppTimeout, "the application did not write %s within %v", r.cfg.DoneFile, r.cfg.AppTimeout)
		case <-t.C:
		}
	}
}

// commitOutputs uploads every output directory as a bundle on its label.
// A failed upload leaves the directory as it is; the status names it.
func (r *runner) commitOutputs(ctx context.Context) int {
	code := 0
	for _, o := range r.cfg.Outputs {
		res := Output{Repo: o.Repo, Label: o.Label, Dir: o.Dir}
		out, _, err := r.datamon(ctx, r.cfg.CommitTimeout, "bundle", "upload", "--repo="+o.Repo, "--path="+o.Dir,
			"--label="+o.Label, "--message="+r.cfg.Message)
		if err != nil {
			res.Error = err.Error()
			code = ExitCommitFailed
		} else if i := strings.Index(out, "Uploaded bundle id:"); i >= 0 {
			res.Bundle = strings.Fields(out[i+len("Uploaded bundle id:"):])[0]
		}
		r.st.Outputs = append(r.st.Outputs, res)
		r.save()
	}
	if code != 0 {
		return r.fail(code, "an output could not be committed; its data is kept in its directory (see outputs)")
	}
	return 0
}
