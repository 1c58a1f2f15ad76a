package node

import (
	"fmt"
	"os"
	"runtime/debug"

	"github.com/valyala/fasthttp"
)

// Memory defaults of a node process (see Config.MemoryLimit and
// Config.PooledBodyLimit).
const (
	// DefaultMemoryLimit is the Go runtime's soft memory limit of a node
	// process when neither Config.MemoryLimit nor GOMEMLIMIT is set.
	DefaultMemoryLimit = 1 << 30
	// DefaultPooledBodyLimit is the largest HTTP body buffer (API, S3, shard
	// RPC; requests and responses) that is kept for reuse after a request.
	DefaultPooledBodyLimit = 1 << 20
)

// applyMemoryTunables sets the process-wide memory knobs of a node: the
// fasthttp body-buffer pooling limit (without it every keep-alive connection
// keeps the largest body it ever carried — 4 MiB chunk bodies over 64
// connections per peer add up to GiBs) and the Go soft memory limit, which
// makes the collector work harder before the heap outgrows it. GOMEMLIMIT in
// the environment wins over Config.MemoryLimit. It returns a description
// for the start log.
func applyMemoryTunables(cfg Config) string {
	pooled := cfg.PooledBodyLimit
	if pooled == 0 {
		pooled = DefaultPooledBodyLimit
	}
	fasthttp.SetBodySizePoolLimit(pooled, pooled)
	limit := "GOMEMLIMIT=" + os.Getenv("GOMEMLIMIT")
	switch {
	case os.Getenv("GOMEMLIMIT") != "":
	case cfg.MemoryLimit < 0:
		limit = "none"
	default:
		n := cfg.MemoryLimit
		if n == 0 {
			n = DefaultMemoryLimit
		}
		debug.SetMemoryLimit(n)
		limit = fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("soft memory limit %s, pooled HTTP bodies up to %d KiB", limit, pooled>>10)
}
