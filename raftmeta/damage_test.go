package raftmeta_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/raftmeta"
	"github.com/datamon-io/datamon/raftmeta/raftmetatest"
)

// damageCluster starts 3 nodes that snapshot often, writes bundles, and
// restarts a follower once so that its FSM and raft log are in sstables
// (Pebble flushes at open), then writes more. It returns the cluster, the
// follower (stopped) and the context.
func damageCluster(t *testing.T, opts raftmetatest.Options) (*raftmetatest.Cluster, string, context.Context) {
	t.Helper()
	opts.Sites = []string{"a", "b", "c"}
	if opts.SnapshotThreshold == 0 {
		opts.SnapshotThreshold, opts.TrailingLogs = 16, 8
	}
	c := raftmetatest.New(t, 3, opts)
	leader := waitReady(t, c)
	ctx := testCtx(t, 120*time.Second)
	mkRepo(t, ctx, c.Meta(leader), "dmg")
	var f string
	for _, id := range c.Running() {
		if id != leader {
			f = id
			break
		}
	}
	for i := 0; i < 40; i++ {
		commit(t, ctx, c.Meta(leader), "dmg", fmt.Sprintf("before-%d", i))
	}
	if _, err := c.Converged(ctx, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	c.Stop(f)
	c.Restart(f)
	for i := 0; i < 20; i++ {
		commit(t, ctx, c.Meta(leader), "dmg", fmt.Sprintf("middle-%d", i))
	}
	if _, err := c.Converged(ctx, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := raftmetatest.WaitFor(20*time.Second, func() error {
		if c.SnapshotIndex(f) < 40 {
			return fmt.Errorf("%s: latest snapshot at index %d", f, c.SnapshotIndex(f))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	c.Stop(f)
	return c, f, ctx
}

// restartIsolated restarts the damaged node cut off from the others (so it
// stays in its refused state while the test looks at it) and checks that it
// says why: Status.Metadata, Status.Damaged, and ErrRecovering for reads
// and writes.
func restartIsolated(t *testing.T, c *raftmetatest.Cluster, ctx context.Context, id string, want ...string) {
	t.Helper()
	c.Isolate(id)
	c.Restart(id) // before: a panic (Pebble's Fatalf on a corrupt block) or a failed start
	m := c.Meta(id)
	st, err := m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range want {
		if !slices.Contains(st.Damaged, s) {
			t.Fatalf("Status.Damaged = %v, want %q in it (metadata %q)", st.Damaged, s, st.Metadata)
		}
	}
	if !strings.HasPrefix(st.Metadata, "refused: ") {
		t.Fatalf("Status.Metadata = %q, want refused: …", st.Metadata)
	}
	short, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if _, err := m.ListBundles(short, model.DefaultContext, "dmg"); !errors.Is(err, raftmeta.ErrRecovering) {
		t.Fatalf("read on the damaged node = %v, want ErrRecovering", err)
	}
	if _, err := m.ListBundles(raftmeta.WithStale(short), model.DefaultContext, "dmg"); !errors.Is(err, raftmeta.ErrRecovering) {
		t.Fatalf("stale read on the damaged node = %v, want ErrRecovering", err)
	}
	if _, err := m.CreateRepo(short, model.Repo{Context: model.DefaultContext, Name: "no", Description: "d"}); !errors.Is(err, raftmeta.ErrRecovering) {
		t.Fatalf("write on the damaged node = %v, want ErrRecovering", err)
	}
}

// healAndConverge reconnects the node, waits until it serves again and
// checks that its state hash equals everyone else's, also after new writes.
func healAndConverge(t *testing.T, c *raftmetatest.Cluster, ctx context.Context, id string) {
	t.Helper()
	c.Heal()
	waitServing(t, c, ctx, id)
	leader, err := c.Leader(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	commit(t, ctx, c.Meta(leader), "dmg", "after")
	if _, err := c.Converged(ctx, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	bs, err := c.Meta(id).ListBundles(ctx, model.DefaultContext, "dmg")
	if err != nil || len(bs) != 61 {
		t.Fatalf("recovered node lists %d bundles (%v), want 61", len(bs), err)
	}
}

func waitServing(t *testing.T, c *raftmetatest.Cluster, ctx context.Context, id string) {
	t.Helper()
	if err := raftmetatest.WaitFor(30*time.Second, func() error {
		st, err := c.Meta(id).Status(ctx)
		if err != nil {
			return err
		}
		if st.Metadata != "serving" || st.VotesRefused {
			return fmt.Errorf("%s: %s (votes refused %v)", id, st.Metadata, st.VotesRefused)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// A follower's FSM sstables rot while it is down: it starts, moves the
// FSM aside, rebuilds it from its local snapshot and log, refuses
// metadata (but still votes: its log is intact) until it has caught up,
// then converges to the same state hash as the others.
func TestFlipFSMFollowerRebuildsFromSnapshotAndLog(t *testing.T) {
	c, f, ctx := damageCluster(t, raftmetatest.Options{})
	if _, err := c.FlipBytes(f, raftmetatest.DirFSM, ".sst", 10); err != nil {
		t.Fatal(err)
	}
	restartIsolated(t, c, ctx, f, raftmeta.StoreFSM)
	if st, _ := c.Meta(f).Status(ctx); st.VotesRefused {
		t.Fatal("an FSM rebuilt from an intact log must not stop the node voting")
	}
	healAndConverge(t, c, ctx, f)
}

// FSM damaged and its local snapshot unusable: the node discards its log
// (it cannot apply entries without the state before them), refuses votes,
// and the leader re-installs a snapshot.
func TestFlipFSMAndSnapshotLeaderReinstalls(t *testing.T) {
	c, f, ctx := damageCluster(t, raftmetatest.Options{})
	if _, err := c.FlipBytes(f, raftmetatest.DirFSM, ".sst", 10); err != nil {
		t.Fatal(err)
	}
	if err := c.CorruptSnapshot(f); err != nil {
		t.Fatal(err)
	}
	restartIsolated(t, c, ctx, f, raftmeta.StoreFSM, raftmeta.StoreLog)
	if st, _ := c.Meta(f).Status(ctx); !st.VotesRefused {
		t.Fatal("a node that discarded its log must refuse votes")
	}
	if first, _ := c.FirstLogIndex(f); first != 0 {
		t.Fatalf("log not discarded: first index %d", first)
	}
	healAndConverge(t, c, ctx, f)
}

// A follower's raft log sstables rot: it keeps the trusted prefix,
// refuses to vote and to serve, catches up from the leader, converges.
func TestFlipRaftLogFollowerRecovers(t *testing.T) {
	c, f, ctx := damageCluster(t, raftmetatest.Options{})
	if _, err := c.FlipBytes(f, raftmetatest.DirRaft, ".sst", 10); err != nil {
		t.Fatal(err)
	}
	restartIsolated(t, c, ctx, f, raftmeta.StoreLog)
	if st, _ := c.Meta(f).Status(ctx); !st.VotesRefused {
		t.Fatal("a node whose log was damaged must refuse votes")
	}
	healAndConverge(t, c, ctx, f)
}

// A follower's raft WAL rots: the damage is found (not replayed as a torn
// tail), the node refuses votes and recovers.
func TestFlipRaftWALFollowerRecovers(t *testing.T) {
	c, f, ctx := damageCluster(t, raftmetatest.Options{})
	if _, err := c.FlipBytes(f, raftmetatest.DirRaft, ".log", 3); err != nil {
		t.Fatal(err)
	}
	c.Isolate(f)
	c.Restart(f)
	st, err := c.Meta(f).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !st.VotesRefused || !slices.Contains(st.Damaged, raftmeta.StoreLog) {
		t.Fatalf("after a WAL flip: %+v, want log damage and votes refused", st)
	}
	healAndConverge(t, c, ctx, f)
}

// The stable store (term, vote) of a follower rots: the node must not vote
// until repaired. With the leader stopped, the healthy follower cannot be
// elected by the damaged node's vote; once the old leader is back a leader
// is elected without it, the damaged node catches up, and from then on its
// vote counts (the second election needs it).
func TestFlipStableStoreNoVoteUntilRepaired(t *testing.T) {
	c, d, ctx := damageCluster(t, raftmetatest.Options{})
	sst, err := c.IsolateStable(d)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.FlipAt(d, sst, 10, 20, 30); err != nil {
		t.Fatal(err)
	}
	leader, err := c.Leader(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.Stop(leader)
	c.Restart(d)
	st, err := c.Meta(d).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(st.Damaged, raftmeta.StoreStable) || !st.VotesRefused {
		t.Fatalf("stable store damaged: status %+v, want stable damage and votes refused", st)
	}
	// The healthy follower campaigns; the damaged node refuses every time.
	if err := raftmetatest.WaitFor(20*time.Second, func() error {
		if n := c.Meta(d).DamageStats().VotesRefused; n < 3 {
			return fmt.Errorf("%d election requests refused so far", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, id := range c.Running() {
		if c.Meta(id).IsLeader() {
			t.Fatalf("%s was elected with the vote of a node whose stable store is damaged", id)
		}
	}
	c.Restart(leader)
	waitServing(t, c, ctx, d)
	if _, err := c.Converged(ctx, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	// Repaired: it votes again. Stop the current leader; the other two
	// (the repaired node among them) elect one.
	cur, err := c.Leader(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.Stop(cur)
	if _, err := c.Leader(20 * time.Second); err != nil {
		t.Fatalf("the repaired node's vote does not count: %v", err)
	}
}

// The error-injecting filesystem (Pebble's errorfs) answers every read of a
// follower's FSM tables with EIO while it starts, as a disk with bad
// sectors does: the node does not crash, moves the FSM aside, rebuilds it
// from the snapshot and log, refuses metadata meanwhile, and ends with the
// same state hash as the others. Before: the FSM read failed through
// Pebble's Fatalf (a panic) or the start failed.
func TestEIOOnFSMTablesRebuilds(t *testing.T) {
	var eio atomic.Pointer[string] // node whose FSM tables fail
	opts := raftmetatest.Options{WrapFS: func(id string, fs vfs.FS) vfs.FS {
		return errorfs.Wrap(fs, errorfs.InjectorFunc(func(op errorfs.Op) error {
			if n := eio.Load(); n != nil && *n == id && strings.HasPrefix(op.Path, raftmetatest.DirFSM+"/") &&
				strings.HasSuffix(op.Path, ".sst") && (op.Kind == errorfs.OpFileRead || op.Kind == errorfs.OpFileReadAt) {
				return syscall.EIO
			}
			return nil
		}))
	}}
	c, f, ctx := damageCluster(t, opts)
	eio.Store(&f)
	restartIsolated(t, c, ctx, f, raftmeta.StoreFSM)
	eio.Store(nil) // the disk reads again (the quarantined tables are no longer used)
	st, err := c.Meta(f).Status(ctx)
	if err != nil || !slices.Contains(st.Damaged, raftmeta.StoreFSM) {
		t.Fatalf("status %+v, %v", st, err)
	}
	healAndConverge(t, c, ctx, f)
}
