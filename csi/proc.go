package csi

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
	"time"
)

// run runs the datamon binary with args and the credentials in its
// environment (never in argv), within ctx; it returns stdout, and on
// failure an error carrying the last lines of stderr.
func (d *Driver) run(ctx context.Context, creds Credentials, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, d.cfg.Binary, args...)
	cmd.Env = d.childEnv(creds)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w after %v", ctx.Err(), d.cfg.MountTimeout)
		}
		return out.String(), fmt.Errorf("datamon %s: %w: %s", strings.Join(args[:2], " "), err, lastLines(errb.String(), 5))
	}
	return out.String(), nil
}

// exitWithEnv, passed on to the FUSE processes when the driver has it:
// a daemonized mount unmounts when that PID ends (docs/kubernetes.md).
const exitWithEnv = "DATAMON_EXIT_WITH_PID"

// childEnv is the environment of a FUSE process: PATH, the cluster's
// address and CA, the credentials, and where mount logs go.
func (d *Driver) childEnv(creds Credentials) []string {
	server := d.cfg.Server
	if creds.Server != "" {
		server = creds.Server
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + d.cfg.StateDir,
		"XDG_STATE_HOME=" + filepath.Join(d.cfg.StateDir, "logs"),
		"DATAMON_SERVER=" + server,
		"DATAMON_ACCESS_KEY=" + creds.AccessKey,
		"DATAMON_SECRET_KEY=" + creds.SecretKey,
	}
	if d.cfg.CAFile != "" {
		env = append(env, "DATAMON_CA_FILE="+d.cfg.CAFile)
	}
	if pid := os.Getenv(exitWithEnv); pid != "" { // a supervisor ties the mounts' lifetime to its own
		env = append(env, exitWithEnv+"="+pid)
	}
	return env
}

// lastLines returns the last n non-empty lines of s, joined by "; ".
func lastLines(s string, n int) string {
	var ls []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			ls = append(ls, l)
		}
	}
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, "; ")
}

// parsePID reads the PID `--daemonize` prints.
func parsePID(out string) (int, error) {
	for _, l := range strings.Split(out, "\n") {
		if pid, err := strconv.Atoi(strings.TrimSpace(l)); err == nil && pid > 0 {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("%w: no PID in the mount's output %q", ErrMount, lastLines(out, 3))
}

// errStillRunning: the FUSE process did not exit in time.
var errStillRunning = errors.New("csi: FUSE process still running")

// waitExit polls until pid has exited (or is a zombie) or ctx ends.
func waitExit(ctx context.Context, pid int) error {
	if pid <= 0 {
		return nil
	}
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for alive(pid) {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: pid %d: %v", errStillRunning, pid, ctx.Err())
		case <-t.C:
		}
	}
	return nil
}
