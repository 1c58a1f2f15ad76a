package datamon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/jepsen/checker"
	"github.com/datamon-io/datamon/jepsen/nemesis"
	"github.com/datamon-io/datamon/jepsen/runner"
)

// SnapshotThreshold is the node's --test-raft-snapshot-threshold in
// scenarios with the partition-snapshot nemesis (trailing logs: half).
const SnapshotThreshold = 64

// ShardParity is m of the default 2+2 policy of a 5-node cluster: the
// corrupt-shards nemesis damages at most this many shards of one chunk per run.
const ShardParity = 2

// Nemeses returns the product nemeses for runner.Config.ExtraNemeses:
//   - membership: remove a node (client.RemoveNode; a voter when known, so
//     the leader promotes another), stop it, and on heal wipe its data dir
//     and start it again empty with the same ID (it must rejoin); once per
//     run it drains a node instead (client.Drain; there is no undrain);
//   - partition-snapshot: isolate a follower until the leader has applied
//     3×SnapshotThreshold more entries (so it snapshots and compacts past
//     the follower), heal → InstallSnapshot (nodes need SnapshotArgs);
//   - corrupt-shards: stop a node, flip payload bytes of or delete up to 3
//     shards (distinct chunks, ≤ ShardParity per chunk per run) in its
//     Pebble shard store, restart it.
func Nemeses() map[string]runner.NemesisFactory {
	return map[string]runner.NemesisFactory{
		"membership":         newMembership,
		"membership-wipe":    newMembershipWipe,
		"partition-snapshot": newSnapshotPartition,
		"corrupt-shards":     newCorruptShards,
	}
}

// SnapshotArgs wraps runner.DatamonArgs with --test-raft-snapshot-threshold.
func SnapshotArgs(s runner.NodeSpec, all []runner.NodeSpec, off time.Duration) []string {
	return append(runner.DatamonArgs(s, all, off), "--test-raft-snapshot-threshold", strconv.Itoa(SnapshotThreshold))
}

func procCluster(c runner.Cluster) (*runner.ProcessCluster, error) {
	pc, ok := c.(*runner.ProcessCluster)
	if !ok {
		return nil, errors.New("datamon nemesis: needs a runner.ProcessCluster")
	}
	return pc, nil
}

func nodeIDs(c runner.Cluster) []string {
	var ids []string
	for _, n := range c.Nodes() {
		ids = append(ids, n.ID())
	}
	return ids
}

// adminClient reaches every node but skip (retries off: callers decide).
func adminClient(pc *runner.ProcessCluster, skip string) (*client.Client, error) {
	var eps []string
	for _, n := range pc.Nodes() {
		if n.ID() != skip && n.PID() != 0 {
			eps = append(eps, n.Endpoints().API)
		}
	}
	return setupClient(pc.Env().Dial, eps)
}

// journal is a minimal event log for the product nemeses.
type journal struct {
	name string
	log  *slog.Logger
	mu   sync.Mutex
	evs  []nemesis.Event
}

func (j *journal) Name() string { return j.name }

func (j *journal) Log() []nemesis.Event {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.evs)
}

func (j *journal) record(action string, targets []string, detail string, err error) {
	e := nemesis.Event{Time: time.Now(), Nemesis: j.name, Action: action, Targets: targets, Detail: detail}
	if err != nil {
		e.Err = err.Error()
	}
	j.mu.Lock()
	j.evs = append(j.evs, e)
	j.mu.Unlock()
	if j.log != nil {
		j.log.Info("nemesis", "name", j.name, "action", action, "targets", targets, "detail", detail, "err", e.Err)
	}
}

// ---- membership

func newMembershipWipe(env runner.NemesisEnv) (nemesis.Nemesis, error) {
	n, err := newMembership(env)
	if err == nil {
		n.(*membership).Wipe = true
		n.(*membership).name = "membership-wipe"
	}
	return n, err
}

type membership struct {
	journal
	pc      *runner.ProcessCluster
	dirs    map[string]string
	rng     *rand.Rand
	removed []string // removed this run
	pending []string // removed, not yet healed
	drained bool
	Wipe    bool
}

func newMembership(env runner.NemesisEnv) (nemesis.Nemesis, error) {
	pc, err := procCluster(env.Cluster)
	if err != nil {
		return nil, err
	}
	return &membership{journal: journal{name: "membership", log: env.Logger}, pc: pc, dirs: env.DataDirs,
		rng: rand.New(rand.NewPCG(env.Seed, 17))}, nil
}

func (m *membership) node(id string) runner.Node {
	for _, n := range m.pc.Nodes() {
		if n.ID() == id {
			return n
		}
	}
	return nil
}

func (m *membership) Invoke(ctx context.Context) error {
	ids := nodeIDs(m.pc)
	target := ids[m.rng.IntN(len(ids))]
	// Prefer a voter (voter change: the leader must promote a non-voter).
	sts, _ := statuses(ctx, m.pc, time.Second)
	for _, st := range sts {
		if len(st.Voters) > 0 && st.LeaderID == st.NodeID {
			target = st.Voters[m.rng.IntN(len(st.Voters))]
		}
	}
	if m.node(target).PID() == 0 || slices.Contains(m.removed, target) {
		target = ids[m.rng.IntN(len(ids))]
	}
	canRemove := len(m.removed) == 0
	switch {
	case !m.drained && (!canRemove || m.rng.IntN(3) == 0):
		cl, err := adminClient(m.pc, target)
		if err != nil {
			return err
		}
		m.drained = true
		err = cl.Drain(ctx, target)
		m.record("invoke", []string{target}, "drain (no undrain API: never undone)", err)
		return err
	case canRemove && !slices.Contains(m.removed, target):
		cl, err := adminClient(m.pc, target)
		if err != nil {
			return err
		}
		err = cl.RemoveNode(ctx, target)
		m.record("invoke", []string{target}, "remove-node", err)
		if err != nil {
			return err
		}
		m.removed = append(m.removed, target)
		kerr := m.node(target).Kill(ctx)
		m.record("invoke", []string{target}, "stop removed node", kerr)
		m.pending = append(m.pending, target)
		return kerr
	}
	m.record("invoke", nil, "skipped: one removal and one drain per run (5 nodes, 2+2 needs 4)", nil)
	return runner.ErrSkipped
}

// Heal: a removed ID is never re-added (raftmeta records it as removed),
// so by default the removed node stays stopped and out of the cluster. With
// Wipe (membership-wipe) it is started again with an empty data dir and the
// same ID, which the cluster must keep out without harm.
func (m *membership) Heal(ctx context.Context) error {
	var errs []error
	for _, id := range m.pending {
		if !m.Wipe {
			m.record("heal", []string{id}, "removed node stays stopped (removed IDs are never re-added)", nil)
			continue
		}
		dir := m.dirs[id]
		ents, err := os.ReadDir(dir)
		for _, e := range ents {
			err = errors.Join(err, os.RemoveAll(filepath.Join(dir, e.Name())))
		}
		if err == nil {
			err = m.node(id).Start(ctx, nemesis.StartOptions{})
		}
		m.record("heal", []string{id}, "wipe data dir, start empty with the same ID", err)
		errs = append(errs, err)
	}
	m.pending = nil
	return errors.Join(errs...)
}

// ---- partition-snapshot

type snapPartition struct {
	journal
	pc   *runner.ProcessCluster
	part *nemesis.Partition
	idx  int
	rng  *rand.Rand
}

func newSnapshotPartition(env runner.NemesisEnv) (nemesis.Nemesis, error) {
	pc, err := procCluster(env.Cluster)
	if err != nil {
		return nil, err
	}
	s := &snapPartition{journal: journal{name: "partition-snapshot", log: env.Logger}, pc: pc,
		rng: rand.New(rand.NewPCG(env.Seed, 23))}
	s.part, err = nemesis.NewPartition(nemesis.PartitionConfig{Network: env.Network, Name: "partition-snapshot-cut",
		Topology: nemesis.IsolateOne(func() int { return s.idx }), Seed: env.Seed, Logger: env.Logger})
	return s, err
}

func (s *snapPartition) leaderIndex(ctx context.Context) (string, uint64) {
	sts, _ := statuses(ctx, s.pc, time.Second)
	for id, st := range sts {
		if st.LeaderID == id {
			return id, st.AppliedIndex
		}
	}
	return "", 0
}

func (s *snapPartition) Invoke(ctx context.Context) error {
	ids := nodeIDs(s.pc)
	leader, start := s.leaderIndex(ctx)
	var followers []int
	for i, id := range ids {
		if id != leader && s.pc.Nodes()[i].PID() != 0 { // running (not removed)
			followers = append(followers, i)
		}
	}
	if len(followers) == 0 {
		return errors.New("partition-snapshot: no running follower")
	}
	s.idx = followers[s.rng.IntN(len(followers))]
	if err := s.part.Invoke(ctx); err != nil {
		s.record("invoke", []string{ids[s.idx]}, "isolate follower", err)
		return err
	}
	// Keep it cut off until the leader is 3 thresholds ahead (it snapshots
	// and keeps only threshold/2 trailing entries), plus a snapshot tick.
	deadline := time.Now().Add(20 * time.Second)
	var now uint64
	for time.Now().Before(deadline) {
		var l string
		if l, now = s.leaderIndex(ctx); l != "" && start > 0 && now >= start+3*SnapshotThreshold {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	time.Sleep(2500 * time.Millisecond)
	s.record("invoke", []string{ids[s.idx]}, fmt.Sprintf("isolated follower (leader %s applied %d→%d)", leader, start, now), nil)
	return nil
}

func (s *snapPartition) Heal(ctx context.Context) error { return s.part.Heal(ctx) }

func (s *snapPartition) Log() []nemesis.Event {
	return append(s.journal.Log(), s.part.Log()...)
}

// SnapshotInstalls counts "installed remote snapshot" lines in the node logs
// (hashicorp/raft's follower message) as evidence the nemesis did its job.
func SnapshotInstalls(resultsDir string) int {
	files, _ := filepath.Glob(filepath.Join(resultsDir, "nodes", "*.log"))
	n := 0
	for _, f := range files {
		b, _ := os.ReadFile(f)
		n += strings.Count(strings.ToLower(string(b)), "installed remote snapshot")
	}
	return n
}

// ---- corrupt-shards

type corruptShards struct {
	journal
	pc   *runner.ProcessCluster
	dirs map[string]string
	rng  *rand.Rand
	hits map[string]int // chunk ID (hex) → shards damaged this run
}

func newCorruptShards(env runner.NemesisEnv) (nemesis.Nemesis, error) {
	pc, err := procCluster(env.Cluster)
	if err != nil {
		return nil, err
	}
	return &corruptShards{journal: journal{name: "corrupt-shards", log: env.Logger}, pc: pc, dirs: env.DataDirs,
		rng: rand.New(rand.NewPCG(env.Seed, 29)), hits: map[string]int{}}, nil
}

type quietPebble struct{}

func (quietPebble) Infof(string, ...any)  {}
func (quietPebble) Errorf(string, ...any) {}
func (quietPebble) Fatalf(f string, args ...any) {
	panic(fmt.Sprintf("pebble: "+f, args...))
}

func (c *corruptShards) Invoke(ctx context.Context) error {
	var nodes []runner.Node
	for _, n := range c.pc.Nodes() {
		if n.PID() != 0 { // running (not removed, not killed right now)
			nodes = append(nodes, n)
		}
	}
	if len(nodes) == 0 {
		return errors.New("corrupt-shards: no running node")
	}
	n := nodes[c.rng.IntN(len(nodes))]
	if err := n.Kill(ctx); err != nil {
		c.record("invoke", []string{n.ID()}, "stop", err)
		return err
	}
	detail, cerr := c.damage(filepath.Join(c.dirs[n.ID()], "shards"))
	serr := n.Start(ctx, nemesis.StartOptions{})
	err := errors.Join(cerr, serr)
	c.record("invoke", []string{n.ID()}, detail, err)
	return err
}

// damage flips a payload byte of, or deletes, up to 3 shards of distinct
// chunks (key layout as in e2e corruptShards: index 'i'+chunk(32)+…, value
// version+seq(8)…; data 'd'+seq).
func (c *corruptShards) damage(dir string) (string, error) {
	db, err := pebble.Open(dir, &pebble.Options{FormatMajorVersion: pebble.FormatNewest, Logger: quietPebble{}})
	if err != nil {
		return "open pebble", err
	}
	defer db.Close()
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: []byte{'i'}, UpperBound: []byte{'j'}})
	if err != nil {
		return "iter", err
	}
	type cand struct{ idx, data []byte }
	var cands []cand
	var last []byte
	for ok := it.First(); ok; ok = it.Next() {
		k, v := it.Key(), it.Value()
		if len(k) < 33 || len(v) < 9 || (last != nil && bytes.Equal(k[1:33], last)) {
			continue
		}
		last = bytes.Clone(k[1:33])
		if c.hits[fmt.Sprintf("%x", last)] >= ShardParity {
			continue
		}
		cands = append(cands, cand{bytes.Clone(k), append([]byte{'d'}, v[1:9]...)})
	}
	if err := it.Close(); err != nil {
		return "iter close", err
	}
	if len(cands) == 0 {
		return "no shards", errors.New("corrupt-shards: no eligible shards")
	}
	c.rng.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
	var did []string
	for _, cd := range cands[:min(3, len(cands))] {
		chunk := fmt.Sprintf("%x", cd.idx[1:33])
		if c.rng.IntN(2) == 0 {
			v, closer, err := db.Get(cd.data)
			if err != nil {
				return strings.Join(did, ", "), err
			}
			bad := bytes.Clone(v)
			closer.Close()
			bad[len(bad)/2] ^= 0xa5
			if err := db.Set(cd.data, bad, pebble.Sync); err != nil {
				return strings.Join(did, ", "), err
			}
			did = append(did, "flip "+chunk[:12])
		} else {
			b := db.NewBatch()
			_ = b.Delete(cd.idx, nil)
			_ = b.Delete(cd.data, nil)
			if err := b.Commit(pebble.Sync); err != nil {
				return strings.Join(did, ", "), err
			}
			did = append(did, "delete "+chunk[:12])
		}
		c.hits[chunk]++
	}
	return strings.Join(did, ", "), nil
}

func (c *corruptShards) Heal(context.Context) error { return nil }

// FsckCheck is a runner.Config.Checks entry: after the heal, `datamon
// cluster fsck` (client.Fsck) must report no lost chunk and no unreadable
// bundle (polled for up to 90 s while repair runs); degraded and misplaced
// chunks are stats, not anomalies (repair may take minutes).
func FsckCheck(ctx context.Context, c runner.Cluster) checker.Result {
	res := checker.Result{Checker: "durability-fsck", Valid: true, Stats: map[string]int{}}
	pc, err := procCluster(c)
	if err != nil {
		res.Valid = false
		res.Anomalies = append(res.Anomalies, checker.Anomaly{Kind: "fsck-error", Detail: err.Error()})
		return res
	}
	cl, err := adminClient(pc, "")
	if err == nil {
		deadline := time.Now().Add(90 * time.Second)
		for {
			fctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			var rep client.FsckReport
			var ok bool
			rep, ok, err = cl.Fsck(fctx, client.FsckOptions{})
			cancel()
			if err == nil {
				res.Stats = map[string]int{"chunks": rep.Chunks, "healthy": rep.Healthy, "degraded": rep.Degraded,
					"misplaced": rep.Misplaced, "lost": rep.Lost, "unreadable": len(rep.Unreadable), "bundles": rep.Bundles}
				if ok && rep.Lost == 0 && len(rep.Unreadable) == 0 {
					return res
				}
			}
			if time.Now().After(deadline) {
				if err == nil && (!ok || rep.Lost > 0 || len(rep.Unreadable) > 0) {
					res.Valid = false
					res.Anomalies = append(res.Anomalies, checker.Anomaly{Kind: "fsck-lost",
						Detail: fmt.Sprintf("fsck ok=%v lost=%d unreadable=%v lost_chunks=%v", ok, rep.Lost, rep.Unreadable, rep.LostChunks)})
				}
				break
			}
			time.Sleep(2 * time.Second)
		}
	}
	if err != nil {
		res.Valid = false
		res.Anomalies = append(res.Anomalies, checker.Anomaly{Kind: "fsck-error", Detail: err.Error()})
	}
	return res
}
