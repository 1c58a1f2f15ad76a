package suite

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/datamon-io/datamon/bench/ceiling"
	"github.com/datamon-io/datamon/bench/report"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/transfer"
)

// FUSE measurement names.
const (
	FuseRead     = "product.fuse.read"
	FuseListTime = "product.fuse.ls-lR"
	FuseRSS      = "product.fuse.mount-rss"
)

// mountBundle mounts bundle b of repo read-only with `datamon bundle mount
// --daemonize` and returns the mount process's PID and an unmount func.
func mountBundle(ctx context.Context, e *Env, repo string, b model.Bundle, dir string) (int, func(), error) {
	ci, err := e.Cluster(ctx)
	if err != nil {
		return 0, nil, err
	}
	if ci.ConfigPath == "" {
		return 0, nil, fmt.Errorf("suite: FUSE figures need a client config file: %w", ErrSkipped)
	}
	cmd := exec.CommandContext(ctx, e.Cfg.Binary, "bundle", "mount", "--repo", repo, "--bundle", b.ID,
		"--mount", dir, "--daemonize")
	cmd.Env = append(os.Environ(), "DATAMON_CONFIG="+ci.ConfigPath)
	out, err := cmd.Output()
	if err != nil {
		return 0, nil, fmt.Errorf("suite: mount: %v: %s: %w", err, out, ErrSkipped)
	}
	fields := strings.Fields(string(out))
	pid := 0
	if len(fields) > 0 {
		pid, _ = strconv.Atoi(fields[len(fields)-1])
	}
	unmount := func() {
		_ = exec.Command("fusermount3", "-u", dir).Run()
		if pid > 1 {
			deadline := time.Now().Add(10 * time.Second)
			for time.Now().Before(deadline) {
				if err := exec.Command("kill", "-0", strconv.Itoa(pid)).Run(); err != nil {
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	}
	return pid, unmount, nil
}

func rssOf(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("suite: no VmRSS for pid %d", pid)
}

// runFuse: sequential read of one large file through a read-only mount next
// to `bundle download` of the same bundle (same run, caches dropped before
// each); then `ls -lR` time and mount RSS over the small-files bundle.
func runFuse(ctx context.Context, e *Env) ([]report.Measurement, error) {
	if _, err := exec.LookPath("fusermount3"); err != nil {
		return nil, fmt.Errorf("suite: fusermount3 not installed: %w", ErrSkipped)
	}
	size := int64(1 << 30)
	if e.Profile.Dataset.Total < 1<<30 {
		size = 256 << 20
	}
	src, err := e.Dir("fuse-src")
	if err != nil {
		return nil, err
	}
	f, err := os.Create(filepath.Join(src, "big.bin"))
	if err != nil {
		return nil, err
	}
	if _, err := io.CopyN(f, rand.NewChaCha8([32]byte{9}), size); err != nil {
		f.Close()
		return nil, err
	}
	f.Close()
	te, err := benchRepo(ctx, e, "bench-fuse")
	if err != nil {
		return nil, err
	}
	b, _, _, err := te.upload(ctx, src, "one big file")
	if err != nil {
		return nil, err
	}
	_ = os.RemoveAll(src)

	ddir, err := e.Dir("fuse-download")
	if err != nil {
		return nil, err
	}
	dropCaches()
	start := time.Now()
	if _, err := transfer.Download(ctx, te.c, transfer.DownloadOptions{Config: te.cfg, Bundle: b, Destination: ddir, Force: true}); err != nil {
		return nil, err
	}
	dlRate := float64(size) / time.Since(start).Seconds() / 1e6
	_ = os.RemoveAll(ddir)

	mnt, err := e.Dir("fuse-mnt")
	if err != nil {
		return nil, err
	}
	_, unmount, err := mountBundle(ctx, e, te.repo, b, mnt)
	if err != nil {
		return nil, err
	}
	dropCaches()
	start = time.Now()
	rf, err := os.Open(filepath.Join(mnt, "big.bin"))
	if err != nil {
		unmount()
		return nil, err
	}
	n, err := io.Copy(io.Discard, rf)
	rf.Close()
	took := time.Since(start)
	unmount()
	if err != nil || n != size {
		return nil, fmt.Errorf("suite: read through mount: %d of %d bytes: %v", n, size, err)
	}
	rate := float64(size) / took.Seconds() / 1e6
	out := []report.Measurement{report.OK(GroupProduct, FuseRead, rate, "MB/s").Against(ceiling.DiskRead, "").
		WithNotes(fmt.Sprintf("%d MiB file, cold; bundle download of the same bundle %.0f MB/s → mount at %.0f %% of download (aim ≥ 80 %%)",
			size>>20, dlRate, 100*rate/dlRate))}

	// ls -lR and RSS over the small-files bundle.
	sdir, files, err := e.SmallFiles(ctx)
	if err != nil {
		return out, err
	}
	ts, err := benchRepo(ctx, e, "bench-fuse-small")
	if err != nil {
		return out, err
	}
	sb, _, _, err := ts.upload(ctx, sdir, "small files")
	if err != nil {
		return out, err
	}
	smnt, err := e.Dir("fuse-mnt-small")
	if err != nil {
		return out, err
	}
	pid, unmount, err := mountBundle(ctx, e, ts.repo, sb, smnt)
	if err != nil {
		return out, err
	}
	defer unmount()
	start = time.Now()
	count := 0
	err = filepath.WalkDir(smnt, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if _, err := os.Lstat(p); err != nil {
			return err
		}
		count++
		return nil
	})
	took = time.Since(start)
	if err != nil {
		return out, fmt.Errorf("suite: ls -lR of mount: %w", err)
	}
	out = append(out, report.OK(GroupProduct, FuseListTime, took.Seconds(), "s").
		WithNotes(fmt.Sprintf("walk + lstat of %d entries (%d files)", count, len(files))))
	if rss, err := rssOf(pid); err == nil {
		out = append(out, report.OK(GroupProduct, FuseRSS, float64(rss)/(1<<20), "MiB").
			WithNotes(fmt.Sprintf("mount process VmRSS after listing %d files", len(files))))
	}
	out[len(out)-1].LowerIsBetter = true
	return out, nil
}
