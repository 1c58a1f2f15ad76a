package api

import (
	"context"
	"slices"
	"time"

	"github.com/valyala/fasthttp"
)

// Probe paths answered before routing, for any caller (Kubernetes probes,
// load balancers): they say whether this node serves, never anything about
// the data.
const (
	// PathHealthz: the process serves HTTP ("ok").
	PathHealthz = "/healthz"
	// PathLivez: the same as /healthz, under the name Kubernetes expects for
	// a liveness probe. A node whose Raft has no leader is still alive:
	// restarting it would not help.
	PathLivez = "/livez"
	// PathReadyz: 200 once this node is a Raft member (voter or non-voter)
	// that knows a leader and has applied a layout; 503 with the reason
	// otherwise. A readiness probe: a Service sends clients only to ready
	// nodes.
	PathReadyz = "/readyz"
)

// readyTimeout bounds the status lookup of one /readyz.
const readyTimeout = 2 * time.Second

// probe answers the probe paths; it reports whether path was one.
func (s *Server) probe(rc *fasthttp.RequestCtx, path string, start time.Time) bool {
	switch path {
	case PathHealthz, PathLivez:
		rc.SetContentType("text/plain; charset=utf-8")
		rc.SetBodyString("ok\n")
	case PathReadyz:
		rc.SetContentType("text/plain; charset=utf-8")
		if why := s.notReady(); why != "" {
			rc.SetStatusCode(fasthttp.StatusServiceUnavailable)
			rc.SetBodyString("not ready: " + why + "\n")
		} else {
			rc.SetBodyString("ready\n")
		}
	default:
		return false
	}
	s.metrics.observe(path, rc.Response.StatusCode(), time.Since(start))
	return true
}

// isProbe reports whether path is answered by probe.
func isProbe(path string) bool {
	return path == PathHealthz || path == PathLivez || path == PathReadyz
}

// notReady says why this node is not ready ("" when it is).
func (s *Server) notReady() string {
	if s.cluster == nil {
		return "no cluster status"
	}
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	st, err := s.cluster.MetaStatus(ctx)
	switch {
	case err != nil:
		return "raft status: " + err.Error()
	case !slices.Contains(st.Voters, st.NodeID) && !slices.Contains(st.NonVoters, st.NodeID):
		return "not a raft member yet"
	case st.LeaderID == "":
		return "no raft leader known"
	case st.LayoutVersion == 0:
		return "no layout applied"
	}
	return ""
}
