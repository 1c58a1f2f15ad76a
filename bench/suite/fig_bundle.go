package suite

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/datamon-io/datamon/bench/ceiling"
	"github.com/datamon-io/datamon/bench/peer"
	"github.com/datamon-io/datamon/bench/report"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/transfer"
)

// Bundle measurement names.
const (
	BundleUpload        = "product.bundle.upload"
	BundleReupload      = "product.bundle.reupload-1pct"
	BundleReuploadAdded = "product.bundle.reupload-1pct.stored"
	BundleDownload      = "product.bundle.download"
	SmallFilesUpload    = "product.smallfiles.upload"
)

// dropCaches makes the next read cold when running as root (as restic's
// restore and the disk-read ceiling are measured).
func dropCaches() string {
	if err := os.WriteFile("/proc/sys/vm/drop_caches", []byte("3\n"), 0o200); err != nil {
		return "page cache not dropped (not root)"
	}
	return "page cache dropped first"
}

func benchRepo(ctx context.Context, e *Env, name string) (*transferEnv, error) {
	c, err := e.Client(ctx)
	if err != nil {
		return nil, err
	}
	repo := fmt.Sprintf("%s-%d", name, time.Now().UnixNano())
	if _, err := c.CreateRepo(ctx, model.Repo{Context: model.DefaultContext, Name: repo, Description: "benchmark"}); err != nil {
		return nil, fmt.Errorf("suite: create repo: %w", err)
	}
	cfg := transfer.DefaultConfig()
	cfg.Concurrency = 16
	return &transferEnv{c: c, repo: repo, cfg: cfg}, nil
}

type transferEnv struct {
	c    transferClient
	repo string
	cfg  transfer.Config
}

type transferClient interface {
	transfer.Store
	transfer.Committer
}

func (t *transferEnv) upload(ctx context.Context, dir, msg string) (model.Bundle, transfer.UploadStats, time.Duration, error) {
	start := time.Now()
	b, st, err := transfer.Upload(ctx, t.c, t.c, transfer.UploadOptions{Config: t.cfg, Context: model.DefaultContext,
		Repo: t.repo, Path: dir, Message: msg})
	return b, st, time.Since(start), err
}

// runBundle: upload of the mixed set (vs restic backup), re-upload after the
// 1 % change (time vs restic's re-backup; new bytes stored vs the changed
// bytes), and download (vs restic restore), all through the transfer
// pipeline the CLI uses.
func runBundle(ctx context.Context, e *Env) ([]report.Measurement, error) {
	dir, set, mut, err := e.Dataset(ctx, false)
	if err != nil {
		return nil, err
	}
	te, err := benchRepo(ctx, e, "bench-bundle")
	if err != nil {
		return nil, err
	}
	total := float64(set.Total())
	var out []report.Measurement
	cold := dropCaches()
	b, st, took, err := te.upload(ctx, dir, "mixed set")
	if err != nil {
		return nil, fmt.Errorf("suite: bundle upload: %w", err)
	}
	out = append(out, report.OK(GroupProduct, BundleUpload, total/took.Seconds()/1e6, "MB/s").
		Against(ceiling.DiskWrite2, peer.ResticBackup).
		WithNotes(fmt.Sprintf("%d files, %.0f MiB in %s, %d chunks; %s", st.Files, total/(1<<20), took.Round(time.Millisecond), st.Chunks, cold)))

	ddir, err := e.Dir(fmt.Sprintf("download-%d", time.Now().UnixNano()))
	if err != nil {
		return out, err
	}
	cold = dropCaches()
	start := time.Now()
	if _, err := transfer.Download(ctx, te.c, transfer.DownloadOptions{Config: te.cfg, Bundle: b, Destination: ddir, Force: true}); err != nil {
		return out, fmt.Errorf("suite: bundle download: %w", err)
	}
	took = time.Since(start)
	out = append(out, report.OK(GroupProduct, BundleDownload, total/took.Seconds()/1e6, "MB/s").
		Against(ceiling.DiskRead, peer.ResticRestore).WithNotes("into an empty directory; "+cold))
	_ = os.RemoveAll(ddir)

	dir, _, mut, err = e.Dataset(ctx, true)
	if err != nil {
		return out, err
	}
	_, st2, took, err := te.upload(ctx, dir, "after 1% change")
	if err != nil {
		return out, fmt.Errorf("suite: re-upload: %w", err)
	}
	m := report.OK(GroupProduct, BundleReupload, took.Seconds(), "s").Against("", peer.ResticRebackup).
		WithNotes(fmt.Sprintf("%d files touched, %.1f MiB changed", mut.FilesTouched, float64(mut.ChangedBytes)/(1<<20)))
	m.LowerIsBetter = true
	out = append(out, m)
	ratio := float64(st2.BytesNew) / float64(max(mut.ChangedBytes, 1))
	m = report.OK(GroupProduct, BundleReuploadAdded, ratio, "× changed bytes").Against("", peer.ResticRebackupAdded).
		WithNotes(fmt.Sprintf("%.1f MiB of new chunk data sent for %.1f MiB changed (aim ≤ 1.2×)",
			float64(st2.BytesNew)/(1<<20), float64(mut.ChangedBytes)/(1<<20)))
	m.LowerIsBetter = true
	out = append(out, m)
	return out, nil
}

// runSmallFiles: upload of the small-files set, files per second.
func runSmallFiles(ctx context.Context, e *Env) ([]report.Measurement, error) {
	dir, files, err := e.SmallFiles(ctx)
	if err != nil {
		return nil, err
	}
	te, err := benchRepo(ctx, e, "bench-small")
	if err != nil {
		return nil, err
	}
	// A CPU profile of node1 over the first part of the upload (local
	// clusters only): where the cores go on the small-file path.
	pd := time.Second
	if len(files) >= 50_000 {
		pd = 5 * time.Second
	}
	profDone := make(chan string, 1)
	go func() {
		select {
		case <-time.After(200 * time.Millisecond):
		case <-ctx.Done():
		}
		top, err := profileNode(ctx, e, 0, pd)
		if err != nil {
			top = "unavailable: " + err.Error()
		}
		profDone <- top
	}()
	_, st, took, err := te.upload(ctx, dir, "small files")
	top := <-profDone
	if err != nil {
		return nil, fmt.Errorf("suite: small files upload: %w", err)
	}
	return []report.Measurement{report.OK(GroupProduct, SmallFilesUpload, float64(st.Files)/took.Seconds(), "files/s").
		Against(ceiling.DiskSyncIOPS, "").
		WithNotes(fmt.Sprintf("%d files (%d planned) in %s; %d chunks sent in shared batches (POST /v1/chunks/batch); node1 CPU over %s (flat%%): %s",
			st.Files, len(files), took.Round(time.Millisecond), st.ChunksNew, pd, top))}, nil
}
