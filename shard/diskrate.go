package shard

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// DiskWriteRate measures the disk's write ceiling under dir: streams
// goroutines each write size bytes sequentially to their own temp file in
// 4 MiB writes and fsync it; the result is the total bytes over the wall
// time. The files are removed. It uses the OS file system directly (it
// probes the device, not a vfs.FS).
func DiskWriteRate(ctx context.Context, dir string, size int64, streams int) (float64, error) {
	if size <= 0 || streams <= 0 {
		return 0, fmt.Errorf("shard: disk write rate: size %d, streams %d: %w", size, streams, ErrBadConfig)
	}
	buf := make([]byte, 4<<20)
	for i := range buf {
		buf[i] = byte(i*2654435761>>13) | 1 // incompressible enough, not zero pages
	}
	errs := make([]error, streams)
	var wg sync.WaitGroup
	start := time.Now()
	for s := 0; s < streams; s++ {
		wg.Add(1)
		go func(s int) {
			defer wg.Done()
			errs[s] = writeSynced(ctx, filepath.Join(dir, fmt.Sprintf(".diskrate-%d-%d", os.Getpid(), s)), buf, size)
		}(s)
	}
	wg.Wait()
	elapsed := time.Since(start)
	for _, err := range errs {
		if err != nil {
			return 0, fmt.Errorf("shard: disk write rate: %w", err)
		}
	}
	return float64(size) * float64(streams) / elapsed.Seconds(), nil
}

func writeSynced(ctx context.Context, path string, buf []byte, size int64) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		_ = os.Remove(path)
	}()
	for left := size; left > 0; {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(left, int64(len(buf)))
		if _, err := f.Write(buf[:n]); err != nil {
			return err
		}
		left -= n
	}
	return f.Sync()
}
