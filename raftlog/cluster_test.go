package raftlog

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/hashicorp/raft"
)

// hashFSM folds every applied command into a running SHA-256 chain.
type hashFSM struct {
	mu    sync.Mutex
	n     uint64
	state [32]byte
}

func (f *hashFSM) Apply(l *raft.Log) any {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	f.state = sha256.Sum256(append(f.state[:], l.Data...))
	return f.n
}

func (f *hashFSM) get() (uint64, [32]byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n, f.state
}

func (f *hashFSM) Snapshot() (raft.FSMSnapshot, error) {
	n, st := f.get()
	return fsmSnap(binary.BigEndian.AppendUint64(st[:], n)), nil
}

func (f *hashFSM) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil || len(b) != 40 {
		return fmt.Errorf("restore: %d bytes, %v", len(b), err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	copy(f.state[:], b[:32])
	f.n = binary.BigEndian.Uint64(b[32:])
	return nil
}

type fsmSnap []byte

func (s fsmSnap) Persist(sink raft.SnapshotSink) error {
	if _, err := sink.Write(s); err != nil {
		_ = sink.Cancel()
		return err
	}
	return sink.Close()
}

func (fsmSnap) Release() {}

type testNode struct {
	id    raft.ServerID
	fs    vfs.FS
	snaps raft.SnapshotStore
	store *Store
	trans *raft.InmemTransport
	fsm   *hashFSM
	raft  *raft.Raft
}

func (n *testNode) start(t *testing.T, peers []*testNode) {
	t.Helper()
	s, err := Open(Config{Dir: "raft", FS: n.fs})
	if err != nil {
		t.Fatal(err)
	}
	n.store = s
	_, n.trans = raft.NewInmemTransport(raft.ServerAddress(n.id))
	for _, p := range peers {
		if p != n && p.trans != nil {
			n.trans.Connect(p.trans.LocalAddr(), p.trans)
			p.trans.Connect(n.trans.LocalAddr(), n.trans)
		}
	}
	conf := raft.DefaultConfig()
	conf.LocalID = n.id
	conf.HeartbeatTimeout = 50 * time.Millisecond
	conf.ElectionTimeout = 50 * time.Millisecond
	conf.LeaderLeaseTimeout = 50 * time.Millisecond
	conf.CommitTimeout = 5 * time.Millisecond
	conf.TrailingLogs = 20
	conf.SnapshotThreshold = 1 << 30 // snapshots only when the test asks
	conf.LogOutput = io.Discard
	n.fsm = &hashFSM{}
	r, err := raft.NewRaft(conf, n.fsm, s, s, n.snaps, n.trans)
	if err != nil {
		t.Fatal(err)
	}
	n.raft = r
}

func (n *testNode) stop(t *testing.T) {
	t.Helper()
	if err := n.raft.Shutdown().Error(); err != nil {
		t.Fatal(err)
	}
	if err := n.store.Close(); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func leaderOf(nodes []*testNode) *testNode {
	for _, n := range nodes {
		if n.raft != nil && n.raft.State() == raft.Leader {
			return n
		}
	}
	return nil
}

func apply(t *testing.T, nodes []*testNode, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		for {
			var l *testNode
			waitFor(t, "leader", func() bool { l = leaderOf(nodes); return l != nil })
			if err := l.raft.Apply([]byte(fmt.Sprintf("cmd-%d", i)), 5*time.Second).Error(); err == nil {
				break
			}
		}
	}
}

// TestRaftClusterRestart runs a real 3-node raft cluster on Stores, restarts a
// follower from its store with logs applied while it was down, and a leader
// snapshot compacting past it (forcing InstallSnapshot, which clears the
// monotonic log), and checks every node converges to the same FSM state.
func TestRaftClusterRestart(t *testing.T) {
	var nodes []*testNode
	for i := 1; i <= 3; i++ {
		nodes = append(nodes, &testNode{id: raft.ServerID(fmt.Sprintf("n%d", i)), fs: vfs.NewMem(),
			snaps: raft.NewInmemSnapshotStore()})
	}
	for _, n := range nodes {
		n.start(t, nodes)
	}
	defer func() {
		for _, n := range nodes {
			if n.raft != nil {
				n.stop(t)
			}
		}
	}()
	var cfg raft.Configuration
	for _, n := range nodes {
		cfg.Servers = append(cfg.Servers, raft.Server{ID: n.id, Address: n.trans.LocalAddr()})
	}
	if err := nodes[0].raft.BootstrapCluster(cfg).Error(); err != nil {
		t.Fatal(err)
	}
	apply(t, nodes, 0, 300)
	converged(t, nodes, 300)

	// Restart a follower from the same store: it must recover its log and catch up.
	f := nodes[0]
	if leaderOf(nodes) == f {
		f = nodes[1]
	}
	lastBefore, _ := f.store.LastIndex()
	f.stop(t)
	f.raft = nil
	apply(t, nodes, 300, 400)
	f.start(t, nodes)
	if last, _ := f.store.LastIndex(); last != lastBefore {
		t.Fatalf("restarted store LastIndex = %d, want %d", last, lastBefore)
	}
	apply(t, nodes, 400, 450)
	converged(t, nodes, 450)

	// Down again; the leader snapshots and compacts past the follower's log,
	// so the follower must be brought back by InstallSnapshot.
	f.stop(t)
	f.raft = nil
	apply(t, nodes, 450, 600)
	// Snapshot every live node, not only the current leader: on a busy
	// machine leadership can move while f restarts, and a new leader that
	// still holds the old entries would catch f up from its log instead.
	for _, n := range nodes {
		if n == f {
			continue
		}
		waitFor(t, string(n.id)+" applied 600", func() bool { c, _ := n.fsm.get(); return c >= 600 })
		if err := n.raft.Snapshot().Error(); err != nil {
			t.Fatal(err)
		}
		if first, _ := n.store.FirstIndex(); first <= lastBefore+150 {
			t.Fatalf("%s log not compacted: first index %d", n.id, first)
		}
	}
	f.start(t, nodes)
	apply(t, nodes, 600, 620)
	converged(t, nodes, 620)
	if first, _ := f.store.FirstIndex(); first <= lastBefore {
		t.Fatalf("follower kept pre-snapshot logs: first index %d", first)
	}
}

func converged(t *testing.T, nodes []*testNode, want uint64) {
	t.Helper()
	waitFor(t, fmt.Sprintf("all FSMs at %d commands", want), func() bool {
		n0, s0 := nodes[0].fsm.get()
		for _, n := range nodes[1:] {
			if c, s := n.fsm.get(); c != n0 || s != s0 {
				return false
			}
		}
		return n0 >= want // a retried Apply may land twice; none may be lost
	})
}
