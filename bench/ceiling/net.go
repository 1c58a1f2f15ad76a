package ceiling

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/datamon-io/datamon/bench/report"
)

// MeasureLoopback measures TCP throughput on 127.0.0.1 between a Go sender and
// receiver in this process: cfg.NetBytes per stream in 1 MiB writes, with 1
// and 2 parallel streams.
func MeasureLoopback(ctx context.Context, cfg Config) ([]report.Measurement, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var out []report.Measurement
	for _, s := range []struct {
		name    string
		streams int
	}{{Loopback1, 1}, {Loopback2, 2}} {
		t, err := loopback(ctx, cfg.NetBytes, s.streams)
		if err != nil {
			out = append(out, report.Failed(Group, s.name, "MB/s", err))
			continue
		}
		out = append(out, report.OK(Group, s.name, mbps(cfg.NetBytes*int64(s.streams), t.Seconds()), "MB/s").
			WithNotes(fmt.Sprintf("%d × %d MiB, 1 MiB writes, sender and receiver share the CPU", s.streams, cfg.NetBytes>>20)))
	}
	return out, nil
}

func loopback(ctx context.Context, size int64, streams int) (time.Duration, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("ceiling: listen: %w", err)
	}
	defer ln.Close()
	errs := make([]error, 2*streams)
	var wg sync.WaitGroup
	// Receivers.
	wg.Add(streams)
	go func() {
		for i := range streams {
			c, err := ln.Accept()
			if err != nil {
				errs[i] = err
				wg.Done()
				continue
			}
			go func() {
				defer wg.Done()
				defer c.Close()
				n, err := io.CopyBuffer(io.Discard, c, make([]byte, 1<<20))
				if err == nil && n != size {
					err = fmt.Errorf("received %d of %d bytes", n, size)
				}
				errs[i] = err
			}()
		}
	}()
	buf := pattern(1 << 20)
	start := time.Now()
	for i := range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var d net.Dialer
			c, err := d.DialContext(ctx, "tcp", ln.Addr().String())
			if err != nil {
				errs[streams+i] = err
				return
			}
			defer c.Close()
			stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Now()) })
			defer stop()
			for left := size; left > 0; left -= int64(len(buf)) {
				if _, err := c.Write(buf[:min(left, int64(len(buf)))]); err != nil {
					errs[streams+i] = err
					return
				}
			}
			errs[streams+i] = c.(*net.TCPConn).CloseWrite()
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return 0, fmt.Errorf("ceiling: loopback: %w", err)
	}
	return time.Since(start), nil
}
