package node

import (
	"bytes"
	"runtime/pprof"

	"github.com/valyala/fasthttp"
)

// handleGoroutineProfile serves a snapshot of every goroutine's stack (pprof
// protobuf) over the signed internal RPC port: the benchmarks take several
// during a load to see where requests wait (the off-CPU view a CPU profile
// does not give: fsync, raft commit, forwarding round trips).
func (n *Node) handleGoroutineProfile(rc *fasthttp.RequestCtx) {
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 0); err != nil {
		rc.Error(err.Error(), fasthttp.StatusInternalServerError)
		return
	}
	rc.SetContentType("application/octet-stream")
	rc.SetBody(buf.Bytes())
}
