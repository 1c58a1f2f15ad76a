package ceiling

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"runtime"
	"time"

	"github.com/jotfs/fastcdc-go"
	"lukechampine.com/blake3"

	"github.com/datamon-io/datamon/bench/report"
	"github.com/datamon-io/datamon/chunk"
)

// MeasureHashes measures single-core BLAKE3-256, SHA-256 and MD5 over
// cfg.HashBytes (1 MiB writes, one goroutine locked to one OS thread).
func MeasureHashes(ctx context.Context, cfg Config) ([]report.Measurement, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	buf := pattern(1 << 20)
	var out []report.Measurement
	for _, h := range []struct {
		name string
		new  func() hash.Hash
	}{
		{HashBLAKE3, func() hash.Hash { return blake3.New(32, nil) }},
		{HashSHA256, sha256.New},
		{HashMD5, md5.New},
	} {
		hh := h.new()
		start := time.Now()
		for left := cfg.HashBytes; left > 0; left -= int64(len(buf)) {
			if err := ctx.Err(); err != nil {
				return out, fmt.Errorf("ceiling: %w", err)
			}
			hh.Write(buf)
		}
		_ = hh.Sum(nil)
		out = append(out, report.OK(Group, h.name, mbps(cfg.HashBytes, time.Since(start).Seconds()), "MB/s").
			WithNotes(fmt.Sprintf("%d MiB, one goroutine", cfg.HashBytes>>20)))
	}
	return out, nil
}

// MeasureChunking measures content-defined chunking, 1 MiB average
// (256 KiB min, 4 MiB max), of random data with github.com/jotfs/fastcdc-go
// and with the project's chunk.NewChunker (which also computes each chunk's
// BLAKE3 ID, so it is bounded by chunking + hashing).
func MeasureChunking(ctx context.Context, cfg Config) ([]report.Measurement, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	data := make([]byte, min(cfg.CDCBytes, 256<<20))
	r := rand.NewChaCha8([32]byte{1})
	_, _ = r.Read(data)
	src := func() io.Reader { return repeat(data, cfg.CDCBytes) }
	var out []report.Measurement

	start := time.Now()
	fc, err := fastcdc.NewChunker(src(), fastcdc.Options{MinSize: 256 << 10, AverageSize: 1 << 20, MaxSize: 4 << 20})
	n, chunks := 0, 0
	for err == nil {
		var c fastcdc.Chunk
		if c, err = fc.Next(); err == nil {
			n, chunks = n+c.Length, chunks+1
		}
	}
	if errors.Is(err, io.EOF) {
		out = append(out, report.OK(Group, CDCFast, mbps(int64(n), time.Since(start).Seconds()), "MB/s").
			WithNotes(fmt.Sprintf("%d MiB random, %d chunks, boundaries only", n>>20, chunks)))
	} else {
		out = append(out, report.Failed(Group, CDCFast, "MB/s", err))
	}

	start = time.Now()
	dc, err := chunk.NewChunker(src(), chunk.DefaultChunkerConfig())
	n, chunks = 0, 0
	for err == nil {
		var c chunk.Chunk
		if c, err = dc.Next(); err == nil {
			n, chunks = n+len(c.Data), chunks+1
		}
		if ctx.Err() != nil {
			err = ctx.Err()
		}
	}
	if errors.Is(err, io.EOF) {
		out = append(out, report.OK(Group, CDCDatamon, mbps(int64(n), time.Since(start).Seconds()), "MB/s").
			WithNotes(fmt.Sprintf("%d MiB random, %d chunks, includes BLAKE3 chunk IDs", n>>20, chunks)))
	} else {
		out = append(out, report.Failed(Group, CDCDatamon, "MB/s", err))
	}
	return out, nil
}

// repeat reads data over and over up to total bytes.
func repeat(data []byte, total int64) io.Reader {
	rs := make([]io.Reader, 0, total/int64(len(data))+1)
	for left := total; left > 0; left -= int64(len(data)) {
		rs = append(rs, bytes.NewReader(data[:min(left, int64(len(data)))]))
	}
	return io.MultiReader(rs...)
}
