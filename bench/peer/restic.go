package peer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// restic measurement names.
const (
	ResticBackup        = "peer.restic.backup"
	ResticRebackup      = "peer.restic.rebackup-1pct"
	ResticRebackupAdded = "peer.restic.rebackup-1pct.added"
	ResticRestore       = "peer.restic.restore"
)

// Restic drives the restic binary against a local repository.
type Restic struct {
	Bin    string
	Dir    string // work dir: repo, cache and restore target live inside
	Logger *slog.Logger
}

// BackupStats is restic's JSON summary of one backup plus the wall time.
type BackupStats struct {
	Took           time.Duration
	DataAdded      int64  `json:"data_added"`
	BytesProcessed int64  `json:"total_bytes_processed"`
	FilesNew       int64  `json:"files_new"`
	FilesChanged   int64  `json:"files_changed"`
	SnapshotID     string `json:"snapshot_id"`
}

// dir is Dir made absolute: Backup runs restic from inside the source
// tree, where a relative repo path (e.g. under `-out bench/results`) would
// point nowhere.
func (r *Restic) dir() string {
	if abs, err := filepath.Abs(r.Dir); err == nil {
		return abs
	}
	return r.Dir
}

func (r *Restic) repo() string  { return filepath.Join(r.dir(), "restic-repo") }
func (r *Restic) cache() string { return filepath.Join(r.dir(), "restic-cache") }

func (r *Restic) cmd(ctx context.Context, args ...string) *exec.Cmd {
	full := append([]string{"--repo", r.repo(), "--cache-dir", r.cache(), "--quiet"}, args...)
	c := exec.CommandContext(ctx, r.Bin, full...)
	c.Env = append(os.Environ(), "RESTIC_PASSWORD=datamon-bench")
	return c
}

// Init creates the repository.
func (r *Restic) Init(ctx context.Context) error {
	if out, err := r.cmd(ctx, "init").CombinedOutput(); err != nil {
		return fmt.Errorf("peer: restic init: %w: %s", err, lastLine(out))
	}
	return nil
}

// Backup backs up src (run from inside src so the snapshot path is ".")
// and reports restic's summary. parent, when set, is passed as --parent.
func (r *Restic) Backup(ctx context.Context, src, parent string) (BackupStats, error) {
	args := []string{"backup", "--json", "--host", "bench"}
	if parent != "" {
		args = append(args, "--parent", parent)
	}
	c := r.cmd(ctx, append(args, ".")...)
	c.Dir = src
	var stderr bytes.Buffer
	c.Stderr = &stderr
	start := time.Now()
	out, err := c.Output()
	took := time.Since(start)
	if err != nil {
		return BackupStats{}, fmt.Errorf("peer: restic backup: %w: %s", err, lastLine(stderr.Bytes()))
	}
	var st BackupStats
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var msg struct {
			Type string `json:"message_type"`
		}
		if json.Unmarshal(sc.Bytes(), &msg) == nil && msg.Type == "summary" {
			if err := json.Unmarshal(sc.Bytes(), &st); err != nil {
				return BackupStats{}, fmt.Errorf("peer: restic summary: %w", err)
			}
		}
	}
	if st.SnapshotID == "" {
		return BackupStats{}, fmt.Errorf("peer: restic backup: no summary in output")
	}
	st.Took = took
	return st, nil
}

// Restore restores snapshot into a fresh target directory and syncs the
// file system so the time includes getting the bytes to disk. The target
// is removed afterwards.
func (r *Restic) Restore(ctx context.Context, snapshot string) (time.Duration, error) {
	target := filepath.Join(r.Dir, "restic-restore")
	_ = os.RemoveAll(target)
	defer os.RemoveAll(target)
	start := time.Now()
	if out, err := r.cmd(ctx, "restore", snapshot, "--target", target).CombinedOutput(); err != nil {
		return 0, fmt.Errorf("peer: restic restore: %w: %s", err, lastLine(out))
	}
	syscall.Sync()
	return time.Since(start), nil
}

// Clean removes the repository, cache and restore target.
func (r *Restic) Clean() {
	for _, d := range []string{r.repo(), r.cache(), filepath.Join(r.Dir, "restic-restore")} {
		if err := os.RemoveAll(d); err != nil && r.Logger != nil {
			r.Logger.Warn("restic cleanup", "dir", d, "err", err)
		}
	}
}
