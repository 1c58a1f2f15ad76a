package node

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/peer"
)

// admission keeps servers that only gossip vouches for out of the Raft
// metadata's view until they answered a signed call over mutual TLS. Gossip
// is keyed with the cluster secret alone, so with TLS on, a node holding the
// secret but no certificate of the cluster CA would otherwise be added to
// the layout (and get shards it can never receive) and to the Raft group. A
// server already in the layout is not probed again: it was admitted once,
// and a later failure is the failure detector's business, not admission's.
type admission struct {
	self  string
	call  func(ctx context.Context, addr string) error
	known func(id string) bool // in the current layout
	kick  func()               // re-run reconciliation after an admission
	log   *slog.Logger
	retry time.Duration

	mu      sync.Mutex
	ok      map[string]string    // id → RPC address that answered
	next    map[string]time.Time // id → earliest next probe after a failure
	probing map[string]bool
	ctx     context.Context
	wg      sync.WaitGroup
}

func newAdmission(ctx context.Context, self string, call func(context.Context, string) error, known func(string) bool,
	kick func(), log *slog.Logger, retry time.Duration) *admission {
	return &admission{self: self, call: call, known: known, kick: kick, log: log, retry: retry,
		ok: map[string]string{}, next: map[string]time.Time{}, probing: map[string]bool{}, ctx: ctx}
}

// admitted reports whether the server may be shown to raftmeta; when it may
// not, a probe starts in the background (unless one runs or failed lately).
func (a *admission) admitted(id, rpcAddr string) bool {
	if id == a.self || a.known(id) {
		return true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if addr, ok := a.ok[id]; ok && addr == rpcAddr {
		return true
	}
	if rpcAddr == "" || a.probing[id] || time.Now().Before(a.next[id]) || a.ctx.Err() != nil {
		return false
	}
	a.probing[id] = true
	a.wg.Add(1)
	go a.probe(id, rpcAddr)
	return false
}

func (a *admission) probe(id, addr string) {
	defer a.wg.Done()
	ctx, cancel := context.WithTimeout(a.ctx, 10*time.Second)
	err := a.call(ctx, addr)
	cancel()
	a.mu.Lock()
	delete(a.probing, id)
	if err == nil {
		a.ok[id] = addr
		delete(a.next, id)
	} else {
		_, failedBefore := a.next[id]
		a.next[id] = time.Now().Add(a.retry)
		if !failedBefore {
			a.log.Warn("not admitting a server gossip reports: it does not answer over mutual TLS with the cluster CA",
				"server", id, "rpc", addr, "err", err)
		}
	}
	a.mu.Unlock()
	if err == nil {
		a.log.Info("admitted server after a mutual TLS check", "server", id, "rpc", addr)
		a.kick()
	}
}

// wait stops with the node (its ctx is cancelled first).
func (a *admission) wait() { a.wg.Wait() }

// pingPath answers a signed empty call; admission probes it.
const pingPath = "/internal/ping"

func handlePing(rc *fasthttp.RequestCtx) { rc.SetBodyString("ok") }

// pingPeer is admission's probe: the TLS handshake and the request
// signature must both pass. A 404 (a node without the ping route) still
// proves both; a 401 does not.
func pingPeer(c *peer.Client) func(context.Context, string) error {
	return func(ctx context.Context, addr string) error {
		_, err := c.Call(ctx, addr, pingPath, nil)
		var se *peer.StatusError
		if errors.As(err, &se) && se.Code == fasthttp.StatusNotFound {
			return nil
		}
		return err
	}
}

// startAdmission sets up admission when internal TLS is on.
func (n *Node) startAdmission() {
	if n.tlsNode == nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	retry := 5 * time.Second
	if n.cfg.Fast {
		retry = time.Second
	}
	// n.meta is set while raftmeta's goroutines already ask for servers:
	// read it through metaPtr.
	known := func(id string) bool {
		m := n.metaPtr.Load()
		if m == nil {
			return false
		}
		_, ok := m.Layout().Node(layout.NodeID(id))
		return ok
	}
	kick := func() {
		if m := n.metaPtr.Load(); m != nil {
			m.Kick()
		}
	}
	n.admit = newAdmission(ctx, n.id.ID, pingPeer(n.rpcCli), known, kick, n.log.With("component", "admission"), retry)
	n.onClose(func() error { cancel(); n.admit.wait(); return nil })
}
