package ceiling

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/datamon-io/datamon/bench/report"
)

const blockSize = 4 << 20

// MeasureDiskWrite measures sequential synced writes: each stream writes
// cfg.DiskBytes in 4 MiB blocks to its own file, then fdatasyncs; the time
// includes the sync. One stream, then two in parallel.
func MeasureDiskWrite(ctx context.Context, cfg Config) ([]report.Measurement, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var out []report.Measurement
	for _, s := range []struct {
		name    string
		streams int
	}{{DiskWrite1, 1}, {DiskWrite2, 2}} {
		t, err := writeStreams(ctx, cfg.Dir, cfg.DiskBytes, s.streams, true)
		if err != nil {
			out = append(out, report.Failed(Group, s.name, "MB/s", err))
			continue
		}
		out = append(out, report.OK(Group, s.name, mbps(cfg.DiskBytes*int64(s.streams), t.Seconds()), "MB/s").
			WithNotes(fmt.Sprintf("%d × %d MiB in 4 MiB writes + fdatasync, Go", s.streams, cfg.DiskBytes>>20)))
	}
	return out, nil
}

// writeStreams writes streams files dir/.ceiling-<i> of size bytes in
// parallel and removes them when remove is set (else the caller must).
func writeStreams(ctx context.Context, dir string, size int64, streams int, remove bool) (time.Duration, error) {
	buf := pattern(blockSize)
	errs := make([]error, streams)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := filepath.Join(dir, fmt.Sprintf(".ceiling-%d", i))
			errs[i] = writeSynced(ctx, p, buf, size)
			if remove {
				_ = os.Remove(p)
			}
		}()
	}
	wg.Wait()
	return time.Since(start), errors.Join(errs...)
}

func writeSynced(ctx context.Context, path string, buf []byte, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("ceiling: %w", err)
	}
	defer f.Close()
	for left := size; left > 0; left -= int64(len(buf)) {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("ceiling: %w", err)
		}
		if _, err := f.Write(buf[:min(left, int64(len(buf)))]); err != nil {
			return fmt.Errorf("ceiling: write %s: %w", path, err)
		}
	}
	if err := syscall.Fdatasync(int(f.Fd())); err != nil {
		return fmt.Errorf("ceiling: fdatasync %s: %w", path, err)
	}
	return f.Close()
}

// MeasureDiskRead writes cfg.DiskBytes, makes it cold (drop_caches when root and
// allowed, else O_DIRECT reads) and reads it back in 4 MiB reads.
func MeasureDiskRead(ctx context.Context, cfg Config) ([]report.Measurement, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if _, err := writeStreams(ctx, cfg.Dir, cfg.DiskBytes, 1, false); err != nil {
		return nil, err
	}
	path := filepath.Join(cfg.Dir, ".ceiling-0")
	defer os.Remove(path)
	method := "O_DIRECT reads (page cache bypassed)"
	flags := syscall.O_DIRECT
	if cfg.DropCaches && os.Geteuid() == 0 {
		syscall.Sync()
		if err := os.WriteFile("/proc/sys/vm/drop_caches", []byte("3\n"), 0o200); err == nil {
			method, flags = "page cache dropped (echo 3 > /proc/sys/vm/drop_caches), buffered reads", 0
		} else {
			cfg.Logger.Warn("drop_caches failed, using O_DIRECT", "err", err)
		}
	}
	f, err := os.OpenFile(path, os.O_RDONLY|flags, 0)
	if err != nil {
		return nil, fmt.Errorf("ceiling: read probe: %w", err)
	}
	defer f.Close()
	buf := alignedBlock(blockSize)
	var n int64
	start := time.Now()
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("ceiling: %w", err)
		}
		k, err := f.Read(buf)
		n += int64(k)
		if errors.Is(err, io.EOF) || (err == nil && k == 0) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("ceiling: read %s: %w", path, err)
		}
	}
	t := time.Since(start)
	if n != cfg.DiskBytes {
		return nil, fmt.Errorf("ceiling: read %d bytes of %d", n, cfg.DiskBytes)
	}
	return []report.Measurement{report.OK(Group, DiskRead, mbps(n, t.Seconds()), "MB/s").
		WithNotes(fmt.Sprintf("%d MiB, 4 MiB reads, %s", n>>20, method))}, nil
}

// alignedBlock returns n bytes aligned to 4096 (for O_DIRECT).
func alignedBlock(n int) []byte {
	b := make([]byte, n+4096)
	off := int(4096 - uintptr(unsafe.Pointer(&b[0]))%4096)
	return b[off%4096 : off%4096+n]
}

// MeasureSyncIOPS measures 4 KiB writes each followed by fdatasync, appended to one
// file: the rate small synced commits (metadata, Raft log) can reach
// without batching.
func MeasureSyncIOPS(ctx context.Context, cfg Config) ([]report.Measurement, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	path := filepath.Join(cfg.Dir, ".ceiling-sync")
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("ceiling: %w", err)
	}
	defer os.Remove(path)
	defer f.Close()
	buf := pattern(4096)
	start := time.Now()
	for i := 0; i < cfg.SyncOps; i++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("ceiling: %w", err)
		}
		if _, err := f.Write(buf); err != nil {
			return nil, fmt.Errorf("ceiling: write: %w", err)
		}
		if err := syscall.Fdatasync(int(f.Fd())); err != nil {
			return nil, fmt.Errorf("ceiling: fdatasync: %w", err)
		}
	}
	t := time.Since(start)
	return []report.Measurement{report.OK(Group, DiskSyncIOPS, float64(cfg.SyncOps)/t.Seconds(), "ops/s").
		WithNotes(fmt.Sprintf("%d × (append 4 KiB + fdatasync), one writer", cfg.SyncOps))}, nil
}
