package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Logs of daemonized mounts live in the user's state directory
// ($XDG_STATE_HOME/datamon/mounts, default ~/.local/state/datamon/mounts),
// not in /tmp; each new daemonized mount prunes the old ones.
const (
	mountLogsKeep   = 20                 // newest logs kept
	mountLogsMaxAge = 7 * 24 * time.Hour // older logs are removed
)

// mountLogDir is the directory for daemonized mounts' logs (created 0700).
func (a *app) mountLogDir() (string, error) {
	base := a.getenv("XDG_STATE_HOME")
	if base == "" {
		h, err := a.home()
		if err != nil {
			return "", fmt.Errorf("mount log directory: %w", err)
		}
		base = filepath.Join(h, ".local", "state")
	}
	dir := filepath.Join(base, "datamon", "mounts")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("mount log directory: %w", err)
	}
	return dir, nil
}

// newMountLog prunes old logs in dir and creates the log of a new mount.
func newMountLog(dir string, now time.Time) (*os.File, error) {
	pruneMountLogs(dir, now, mountLogsKeep-1)
	return os.CreateTemp(dir, "mount-"+now.UTC().Format("20060102T150405")+"-*.log")
}

// pruneMountLogs removes mount logs older than mountLogsMaxAge and all but
// the keep newest. A running mount's log may go too (its output then goes to
// an unlinked file): only quiet logs are old, and the newest are kept.
func pruneMountLogs(dir string, now time.Time, keep int) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type logf struct {
		path string
		mod  time.Time
	}
	var logs []logf
	for _, e := range ents {
		if e.IsDir() || !strings.HasPrefix(e.Name(), "mount-") || !strings.HasSuffix(e.Name(), ".log") {
			continue
		}
		if info, err := e.Info(); err == nil {
			logs = append(logs, logf{filepath.Join(dir, e.Name()), info.ModTime()})
		}
	}
	sort.Slice(logs, func(i, j int) bool { return logs[i].mod.After(logs[j].mod) })
	for i, l := range logs {
		if i >= keep || now.Sub(l.mod) > mountLogsMaxAge {
			_ = os.Remove(l.path)
		}
	}
}
