package raftmeta

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/raft"
)

// Meta is one node's member of the metadata Raft group.
type Meta struct {
	cfg     Config
	log     *slog.Logger
	raft    *raft.Raft
	fsm     *fsm
	logs    raft.LogStore
	members Members
	fwd     Forwarder
	rec     *recovery
	gate    *voteGate // nil unless the node started refusing votes
	seal    *sealer   // access key secrets at rest (seal.go)
	// sealedTerm is the leader term in which sealLegacy found no
	// plaintext secret left (seal_legacy.go).
	sealedTerm atomic.Uint64

	// readyTerm is the term in which a barrier completed on this leader:
	// its commit index is then authoritative for read indexes.
	readyTerm atomic.Uint64
	barrierMu sync.Mutex

	kick     chan struct{}
	stop     chan struct{}
	wg       sync.WaitGroup
	obsCh    chan raft.Observation
	observer *raft.Observer
	// elections counts this node's candidate transitions (including
	// pre-votes that did not move the term); leaderChanges counts the
	// leader changes it observed (election.go).
	elections, leaderChanges atomic.Uint64
	lastLeader               atomic.Pointer[string]

	closeOnce sync.Once
	closed    atomic.Bool
	closeErr  error
}

// New opens the FSM, starts raft on the given transport and stores, and
// starts the bootstrap (when there is no raft state yet) and reconcile loops.
func New(cfg Config, tr raft.Transport, logs raft.LogStore, stable raft.StableStore,
	snaps raft.SnapshotStore, members Members, fwd Forwarder) (*Meta, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if tr == nil || logs == nil || stable == nil || snaps == nil || members == nil || fwd == nil {
		return nil, fmt.Errorf("%w: transport, stores, members and forwarder are required", ErrInvalidConfig)
	}
	cfg = cfg.withDefaults()
	log := cfg.Logger.With("component", "raftmeta", "node", cfg.NodeID)
	seal, err := newSealer(cfg.Secret)
	if err != nil {
		return nil, err
	}
	f, fsmDamage, err := openFSM(cfg.Dir, cfg.FS, log, cfg.DedupWindow)
	if err != nil {
		return nil, err
	}
	rec, snaps, err := assessDamage(f, fsmDamage, logs, stable, snaps, log)
	if err != nil {
		_ = f.close()
		return nil, err
	}
	hasState, err := raft.HasExistingState(logs, stable, snaps)
	if err != nil {
		_ = f.close()
		return nil, fmt.Errorf("raftmeta: inspect raft state: %w", err)
	}
	var gate *voteGate
	if rec.noVote {
		gate, tr = newVoteGate(tr, true)
	}
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(cfg.NodeID)
	rc.Logger = newHclog(log, "raft")
	rc.HeartbeatTimeout = cfg.HeartbeatTimeout
	rc.ElectionTimeout = cfg.ElectionTimeout
	rc.LeaderLeaseTimeout = cfg.LeaderLeaseTimeout
	rc.CommitTimeout = cfg.CommitTimeout
	rc.SnapshotInterval = cfg.SnapshotInterval
	rc.SnapshotThreshold = cfg.SnapshotThreshold
	rc.TrailingLogs = cfg.TrailingLogs
	rc.NoSnapshotRestoreOnStart = true // the FSM persists itself; see doc.go
	if err := raft.ValidateConfig(rc); err != nil {
		_ = f.close()
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	r, err := raft.NewRaft(rc, f, logs, stable, snaps, tr)
	if err != nil {
		if gate != nil {
			_ = gate.Close()
		}
		_ = f.close()
		return nil, fmt.Errorf("raftmeta: start raft: %w", err)
	}
	m := &Meta{
		cfg: cfg, log: log, raft: r, fsm: f, logs: logs, members: members, fwd: fwd, rec: rec, gate: gate, seal: seal,
		kick: make(chan struct{}, 1), stop: make(chan struct{}), obsCh: make(chan raft.Observation, 16),
	}
	m.observer = raft.NewObserver(m.obsCh, false, func(o *raft.Observation) bool {
		switch d := o.Data.(type) {
		case raft.LeaderObservation:
			m.countLeader(string(d.LeaderID))
			return true
		case raft.RaftState:
			if d == raft.Candidate {
				m.elections.Add(1)
			}
		}
		return false
	})
	r.RegisterObserver(m.observer)
	m.wg.Add(2)
	go m.watchLeader()
	go m.reconcileLoop()
	if rec.active.Load() {
		m.wg.Add(1)
		go m.recoverLoop()
	}
	// A node that lost its stores must not found a new cluster: it waits
	// for the leader of the existing one.
	if !hasState && cfg.BootstrapExpect > 0 && !rec.active.Load() {
		m.wg.Add(1)
		go m.bootstrapLoop()
	}
	return m, nil
}

// Close stops the background loops, shuts raft down and closes the FSM.
// It is idempotent.
func (m *Meta) Close() error {
	m.closeOnce.Do(func() {
		m.closed.Store(true)
		close(m.stop)
		m.wg.Wait()
		m.raft.DeregisterObserver(m.observer)
		err := m.raft.Shutdown().Error()
		if m.gate != nil {
			m.gate.stop() // raft closed the transport (and the gate) already; make sure the pump ends
		}
		m.closeErr = errors.Join(err, m.fsm.close())
	})
	return m.closeErr
}

// watchLeader turns leadership changes into reconcile kicks.
func (m *Meta) watchLeader() {
	defer m.wg.Done()
	for {
		select {
		case <-m.stop:
			return
		case <-m.obsCh:
			m.Kick()
		}
	}
}

// Kick asks the leader's reconcile loop to run now (e.g. on a gossip event).
func (m *Meta) Kick() {
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

func newReqID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// waitFuture waits for a raft future or ctx, whichever comes first.
func waitFuture(ctx context.Context, f raft.Future) error {
	done := make(chan error, 1)
	go func() { done <- f.Error() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
