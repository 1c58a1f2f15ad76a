package node

import "github.com/valyala/fasthttp"

// The peer RPC server starts before the Raft metadata (shards are served
// while Raft opens), so another node's forwarded metadata request can arrive
// while n.meta is still nil. "/internal/meta" answers 503 until startMeta
// has set n.meta and registered handleMetaForward (the route table is
// mutex-protected, so the handler sees n.meta). The forwarding node treats
// the 503 as a retryable forward error. Before this, such a request
// dereferenced a nil *raftmeta.Meta and crashed the starting node (jepsen
// datamon-corrupt-shards seed 21: a node restarted by the nemesis died in
// raftmeta.(*Meta).HandleForward).
func handleMetaNotReady(rc *fasthttp.RequestCtx) {
	rc.Error("node: metadata not started yet", fasthttp.StatusServiceUnavailable)
}
