package raftmetatest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftlog"
	"github.com/datamon-io/datamon/raftmeta"
	"github.com/hashicorp/raft"
)

// Options configure a test cluster.
type Options struct {
	// Sites assigns node i to Sites[i%len(Sites)]; default one site "s1".
	Sites []string
	// BootstrapExpect defaults to the initial node count.
	BootstrapExpect int
	// Voters is raftmeta.Config.Voters (default 3).
	Voters int
	// SnapshotThreshold and TrailingLogs force frequent snapshots when small.
	SnapshotThreshold uint64
	TrailingLogs      uint64
	Policy            *layout.Policy
	RootKey           *model.AccessKey
	// Secret is the cluster secret (raftmeta.Config.Secret); default
	// DefaultSecret.
	Secret []byte
	Logger *slog.Logger
	// Clock defaults to time.Now.
	Clock func() time.Time
	// RequestWindow and RequestMaxAge set the client request
	// deduplication window (raftmeta.Config); zero: the defaults.
	RequestWindow uint64
	RequestMaxAge time.Duration
	// LoseReply, when set, is asked after every forwarded call (req is the
	// forwarded envelope) has run on the target node; true drops the reply:
	// the caller sees ErrUnreachable although the operation was performed,
	// which forces the retry-after-ambiguous-failure path. Called
	// concurrently.
	LoseReply func(from, to string, req []byte) bool
	// WrapFS, when set, wraps a node's filesystem each time the node
	// starts (error injection, e.g. Pebble's errorfs); the wrapped FS is
	// used by both the raft log and the FSM.
	WrapFS func(id string, fs vfs.FS) vfs.FS
}

// Node is one in-process server.
type Node struct {
	ID, Site string
	addr     raft.ServerAddress
	trans    *raft.InmemTransport
	fs       *vfs.MemFS
	logs     *raftlog.Store
	snaps    *memSnapshots // survives crashes: stands for a synced snapshot dir
	meta     *raftmeta.Meta
	running  bool
	capacity uint64
}

// Cluster is a set of nodes plus their network and gossip view.
type Cluster struct {
	t     testing.TB
	opts  Options
	mu    sync.Mutex
	nodes map[string]*Node
	cut   map[[2]string]bool // unordered pairs that cannot talk
	alive map[string]bool    // gossip liveness
}

// New starts n nodes named n1..nN that bootstrap through BootstrapExpect.
func New(t testing.TB, n int, opts Options) *Cluster {
	t.Helper()
	if len(opts.Sites) == 0 {
		opts.Sites = []string{"s1"}
	}
	if opts.BootstrapExpect == 0 {
		opts.BootstrapExpect = n
	}
	c := &Cluster{t: t, opts: opts, nodes: map[string]*Node{}, cut: map[[2]string]bool{}, alive: map[string]bool{}}
	t.Cleanup(c.Close)
	for i := 0; i < n; i++ {
		c.AddNode(fmt.Sprintf("n%d", i+1), opts.Sites[i%len(opts.Sites)])
	}
	return c
}

// AddNode creates, announces (alive in gossip) and starts a node.
func (c *Cluster) AddNode(id, site string) *Node {
	c.t.Helper()
	nd := &Node{ID: id, Site: site, addr: raft.ServerAddress("raft-" + id), fs: vfs.NewCrashableMem(),
		snaps: newMemSnapshots(), capacity: 1 << 40}
	c.mu.Lock()
	c.nodes[id] = nd
	c.alive[id] = true
	c.mu.Unlock()
	if err := c.start(nd); err != nil {
		c.t.Fatalf("start %s: %v", id, err)
	}
	return nd
}

func (c *Cluster) start(nd *Node) error {
	var fs vfs.FS = nd.fs
	if c.opts.WrapFS != nil {
		fs = c.opts.WrapFS(nd.ID, fs)
	}
	logs, err := raftlog.Open(raftlog.Config{Dir: "raft", FS: fs, Logger: cfgLogger(c.opts.Logger, nd.ID)})
	if err != nil {
		return err
	}
	_, trans := raft.NewInmemTransportWithTimeout(nd.addr, 300*time.Millisecond)
	cfg := raftmeta.DefaultConfig()
	cfg.NodeID, cfg.Dir, cfg.FS = nd.ID, "fsm", fs
	cfg.BootstrapExpect = c.opts.BootstrapExpect
	cfg.Voters = c.opts.Voters
	cfg.Policy, cfg.RootKey, cfg.Clock = c.opts.Policy, c.opts.RootKey, c.opts.Clock
	cfg.Secret = c.opts.Secret
	cfg.RequestWindow, cfg.RequestMaxAge = c.opts.RequestWindow, c.opts.RequestMaxAge
	if cfg.Secret == nil {
		cfg.Secret = []byte(DefaultSecret)
	}
	if c.opts.Logger != nil {
		cfg.Logger = c.opts.Logger.With("node", nd.ID)
	}
	cfg.HeartbeatTimeout = 200 * time.Millisecond
	cfg.ElectionTimeout = 200 * time.Millisecond
	cfg.LeaderLeaseTimeout = 100 * time.Millisecond
	cfg.CommitTimeout = 10 * time.Millisecond
	cfg.ReconcileInterval = 100 * time.Millisecond
	cfg.ApplyTimeout = 5 * time.Second
	if c.opts.SnapshotThreshold > 0 {
		cfg.SnapshotThreshold = c.opts.SnapshotThreshold
		cfg.SnapshotInterval = 50 * time.Millisecond
	}
	if c.opts.TrailingLogs > 0 {
		cfg.TrailingLogs = c.opts.TrailingLogs
	}
	m, err := raftmeta.New(cfg, trans, logs, logs, nd.snaps, members{c}, forwarder{c: c, from: nd.ID})
	if err != nil {
		_ = logs.Close()
		return err
	}
	c.mu.Lock()
	nd.logs, nd.trans, nd.meta, nd.running = logs, trans, m, true
	c.mu.Unlock()
	c.rewire()
	return nil
}

func cfgLogger(l *slog.Logger, id string) *slog.Logger {
	if l == nil {
		return nil
	}
	return l.With("node", id)
}

// rewire makes the raft transports match the partition state.
func (c *Cluster) rewire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, a := range c.nodes {
		if !a.running {
			continue
		}
		for _, b := range c.nodes {
			if a == b {
				continue
			}
			if b.running && !c.cut[pair(a.ID, b.ID)] {
				a.trans.Connect(b.addr, b.trans)
			} else {
				a.trans.Disconnect(b.addr)
			}
		}
	}
}

func pair(a, b string) [2]string {
	if a > b {
		a, b = b, a
	}
	return [2]string{a, b}
}

// Isolate cuts id off from every other node (raft and forwarding).
func (c *Cluster) Isolate(id string) {
	c.mu.Lock()
	for o := range c.nodes {
		if o != id {
			c.cut[pair(id, o)] = true
		}
	}
	c.mu.Unlock()
	c.rewire()
}

// Heal removes every partition.
func (c *Cluster) Heal() {
	c.mu.Lock()
	c.cut = map[[2]string]bool{}
	c.mu.Unlock()
	c.rewire()
}

// SetAlive changes id's liveness in the gossip view.
func (c *Cluster) SetAlive(id string, alive bool) {
	c.mu.Lock()
	c.alive[id] = alive
	c.mu.Unlock()
}

// Meta returns the running Meta of id (nil if stopped).
func (c *Cluster) Meta(id string) *raftmeta.Meta {
	c.mu.Lock()
	defer c.mu.Unlock()
	if nd := c.nodes[id]; nd != nil && nd.running {
		return nd.meta
	}
	return nil
}

// IDs returns the node IDs, sorted.
func (c *Cluster) IDs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := make([]string, 0, len(c.nodes))
	for id := range c.nodes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Running returns the IDs of running nodes, sorted.
func (c *Cluster) Running() []string {
	var out []string
	for _, id := range c.IDs() {
		if c.Meta(id) != nil {
			out = append(out, id)
		}
	}
	return out
}

// Stop closes a node gracefully.
func (c *Cluster) Stop(id string) {
	c.t.Helper()
	c.mu.Lock()
	nd := c.nodes[id]
	c.mu.Unlock()
	c.shutdown(nd)
}

// Crash simulates power loss: the node is cut off, its filesystem is
// crash-cloned (un-synced writes lost), then the process state is discarded.
func (c *Cluster) Crash(id string) {
	c.t.Helper()
	c.mu.Lock()
	nd := c.nodes[id]
	c.mu.Unlock()
	c.Isolate(id)
	// The snapshot store is not part of the cloned fs, so it is copied at
	// the crash point too: keeping a snapshot the node took after the
	// clone, over an FSM that lost the writes it covers, is a crash no
	// real disk produces (the FSM syncs before raft records a snapshot).
	// Copy the snapshots, clone the fs, and retry if a snapshot appeared
	// in between.
	var clone *vfs.MemFS
	var snaps *memSnapshots
	for {
		before := snapshotIDs(nd.snaps)
		snaps = copySnapshots(c.t, nd.snaps, nd.trans)
		clone = nd.fs.CrashClone(vfs.CrashCloneCfg{})
		if snapshotIDs(nd.snaps) == before {
			break
		}
	}
	c.shutdown(nd)
	nd.fs, nd.snaps = clone, snaps
	c.mu.Lock()
	for o := range c.nodes {
		delete(c.cut, pair(id, o))
	}
	c.mu.Unlock()
}

func (c *Cluster) shutdown(nd *Node) {
	c.mu.Lock()
	if !nd.running {
		c.mu.Unlock()
		return
	}
	nd.running = false
	m, logs := nd.meta, nd.logs
	c.mu.Unlock()
	c.rewire()
	if err := m.Close(); err != nil {
		c.t.Logf("close %s: %v", nd.ID, err)
	}
	_ = logs.Close()
}

// SetSecret changes the cluster secret nodes (re)start with from now on:
// a node restarted after it runs on its old state with the new secret (an
// operator's mistake that leaves its sealed access-key secrets unreadable).
func (c *Cluster) SetSecret(secret []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.opts.Secret = secret
}

// Restart starts a stopped or crashed node on its surviving state.
func (c *Cluster) Restart(id string) {
	c.t.Helper()
	c.mu.Lock()
	nd := c.nodes[id]
	c.mu.Unlock()
	if err := c.start(nd); err != nil {
		c.t.Fatalf("restart %s: %v", id, err)
	}
}

// Close stops every node.
func (c *Cluster) Close() {
	for _, id := range c.IDs() {
		c.mu.Lock()
		nd := c.nodes[id]
		c.mu.Unlock()
		c.shutdown(nd)
	}
}

// Leader waits until exactly one running node (among those given, or all)
// leads and returns its ID.
func (c *Cluster) Leader(timeout time.Duration, among ...string) (string, error) {
	if len(among) == 0 {
		among = c.Running()
	}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		var leaders []string
		for _, id := range among {
			if m := c.Meta(id); m != nil && m.IsLeader() {
				leaders = append(leaders, id)
			}
		}
		if len(leaders) == 1 {
			return leaders[0], nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return "", errors.New("raftmetatest: no single leader")
}

// WaitFor polls cond every 20ms until it returns nil or timeout passes.
func WaitFor(timeout time.Duration, cond func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Converged waits until every running node applied the same index and has
// the same StateHash, and returns that hash.
func (c *Cluster) Converged(ctx context.Context, timeout time.Duration) (string, error) {
	var hash string
	err := WaitFor(timeout, func() error {
		ids := c.Running()
		hash = ""
		var idx uint64
		for i, id := range ids {
			m := c.Meta(id)
			if m == nil {
				return fmt.Errorf("%s stopped", id)
			}
			h, err := m.StateHash(ctx)
			if err != nil {
				return err
			}
			if i == 0 {
				hash, idx = h, m.AppliedIndex()
				continue
			}
			if h != hash || m.AppliedIndex() != idx {
				return fmt.Errorf("%s: hash %s… applied %d, %s: hash %s… applied %d",
					ids[0], hash[:8], idx, id, h[:8], m.AppliedIndex())
			}
		}
		return nil
	})
	return hash, err
}

// FirstLogIndex returns the first index in id's raft log (compaction marker).
func (c *Cluster) FirstLogIndex(id string) (uint64, error) {
	c.mu.Lock()
	nd := c.nodes[id]
	c.mu.Unlock()
	if nd == nil || !nd.running {
		return 0, ErrUnreachable
	}
	return nd.logs.FirstIndex()
}

func snapshotIDs(s *memSnapshots) string {
	metas, _ := s.List()
	var ids []string
	for _, m := range metas {
		ids = append(ids, m.ID)
	}
	return strings.Join(ids, ",")
}

// copySnapshots returns a new store holding the latest snapshot of s.
func copySnapshots(t testing.TB, s *memSnapshots, trans raft.Transport) *memSnapshots {
	out := newMemSnapshots()
	metas, err := s.List()
	if err != nil || len(metas) == 0 {
		return out
	}
	m := metas[0]
	_, rc, err := s.Open(m.ID)
	if err != nil {
		t.Fatalf("raftmetatest: open snapshot %s: %v", m.ID, err)
	}
	defer rc.Close()
	sink, err := out.Create(m.Version, m.Index, m.Term, m.Configuration, m.ConfigurationIndex, trans)
	if err != nil {
		t.Fatalf("raftmetatest: copy snapshot: %v", err)
	}
	if _, err := io.Copy(sink, rc); err != nil {
		_ = sink.Cancel()
		t.Fatalf("raftmetatest: copy snapshot: %v", err)
	}
	if err := sink.Close(); err != nil {
		t.Fatalf("raftmetatest: copy snapshot: %v", err)
	}
	return out
}
