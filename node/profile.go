package node

import (
	"bytes"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
)

// handleCPUProfile serves a CPU profile of this node over the signed internal
// RPC port (cluster secret required, like every internal route): the body is
// the duration in seconds (1-120), the answer a pprof protobuf. Used by the
// benchmarks to report where the cores go.
func (n *Node) handleCPUProfile(rc *fasthttp.RequestCtx) {
	secs, err := strconv.Atoi(strings.TrimSpace(string(rc.PostBody())))
	if err != nil || secs < 1 || secs > 120 {
		rc.Error("body must be a duration in seconds (1-120)", fasthttp.StatusBadRequest)
		return
	}
	if !n.profileMu.TryLock() {
		rc.Error("a profile is already running", fasthttp.StatusConflict)
		return
	}
	defer n.profileMu.Unlock()
	var buf bytes.Buffer
	if err := pprof.StartCPUProfile(&buf); err != nil {
		rc.Error(err.Error(), fasthttp.StatusConflict)
		return
	}
	time.Sleep(time.Duration(secs) * time.Second)
	pprof.StopCPUProfile()
	rc.SetContentType("application/octet-stream")
	rc.SetBody(buf.Bytes())
}

// handleHeapProfile serves a heap profile (pprof protobuf, in-use and
// allocated space) over the signed internal RPC port. A body of "gc" runs a
// collection first, so in-use figures show live memory only.
func (n *Node) handleHeapProfile(rc *fasthttp.RequestCtx) {
	if strings.TrimSpace(string(rc.PostBody())) == "gc" {
		runtime.GC()
	}
	var buf bytes.Buffer
	if err := pprof.Lookup("heap").WriteTo(&buf, 0); err != nil {
		rc.Error(err.Error(), fasthttp.StatusInternalServerError)
		return
	}
	rc.SetContentType("application/octet-stream")
	rc.SetBody(buf.Bytes())
}
