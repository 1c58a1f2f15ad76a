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
	"github.com/datamon-io/datamon/model"
)

// SnapshotThreshold is the node's --test-raft-snapshot-threshold in
// scenarios with the partition-snapshot nemesis (trailing logs: half).
const SnapshotThreshold = 64

// ShardParity is m of the default 2+2 policy of a 5-node cluster: the
// corrupt-shards nemesis damages at most this many shards of one chunk per run.
const ShardParity = 2

// Nemeses returns the product nemeses for runner.Config.ExtraNemeses:
//   - membership: remove a node (client.RemoveNode; a voter when known, so
//     the leader promotes another) and stop it, or once per run drain one
//     (client.Drain); heal undrains it (client.Undrain) or adds a NEW node
//     ID on the removed slot's emptied data dir and waits until it is a
//     member;
//   - membership-wipe: one removal; heal restarts the removed node empty
//     with its old ID (regression scenario of bug 2);
//   - partition-snapshot: isolate a follower until the leader has applied
//     3×SnapshotThreshold more entries (so it snapshots and compacts past
//     the follower), heal → InstallSnapshot (nodes need SnapshotArgs);
//   - corrupt-shards: stop a node, flip payload bytes of or delete up to 3
//     shards (distinct chunks, ≤ ShardParity per chunk per run) in its
//     Pebble shard store, restart it.
//   - corrupt-sstables, corrupt-sstables-destructive, eio-shards: raw
//     disk faults below Pebble (disknemeses.go).
func Nemeses() map[string]runner.NemesisFactory {
	disk := &faultNodes{ids: map[string]bool{}} // shared: ≤ ShardParity damaged nodes per run
	return map[string]runner.NemesisFactory{
		"membership":                   newMembership,
		"membership-wipe":              newMembershipWipe,
		"partition-snapshot":           newSnapshotPartition,
		"corrupt-shards":               newCorruptShards,
		"corrupt-sstables":             sstNemesis("corrupt-sstables", disk, DefaultSSTDamage),
		"corrupt-sstables-destructive": sstNemesis("corrupt-sstables-destructive", disk, SSTDamage{Files: DefaultSSTDamage.Files, Flips: DefaultSSTDamage.Flips, Destructive: true}),
		"eio-shards":                   newEIOShards(disk),
	}
}

// DefaultSSTDamage is corrupt-sstables' damage per invoke: 5 data-only
// sstables, 2 bytes flipped in one data block of each (10 flipped bytes, as
// in issue 14).
var DefaultSSTDamage = SSTDamage{Files: 5, Flips: 2}

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

// membership changes the cluster's membership through the product API.
// Invoke removes a node (client.RemoveNode; a voter of the leader's
// configuration when known, so the leader must promote another) and stops
// it, or, once per run, drains one (client.Drain: capacity 0), which Heal
// undoes (client.Undrain). Heal adds a node: the removed slot's data dir is emptied and a
// NEW node ID (n6, n7, …) starts there with the usual --join; the product
// makes it a member on its own (gossip → the leader's reconcile loop adds it
// to the Raft configuration, promotes it to voter when below the target, and
// adds it to the layout), which Heal waits for (≤ joinBound). So every
// removal is followed by an add, and the harness's slots stay five running
// nodes. With Wipe (membership-wipe, regression of bug 2) heal starts the
// removed node empty under its OLD ID instead (raftmeta never re-adds a
// removed ID: it must stay out without harm), and only one removal happens.
type membership struct {
	journal
	pc      *runner.ProcessCluster
	dirs    map[string]string
	rng     *rand.Rand
	pending []string // slots whose node was removed, not yet replaced
	removed int
	drained bool
	undrain string // node ID drained by the last Invoke, undrained by Heal
	nextID  int
	Wipe    bool
}

// joinBound is how long Heal waits for an added node to be in the leader's
// Raft configuration.
const joinBound = 25 * time.Second

func newMembership(env runner.NemesisEnv) (nemesis.Nemesis, error) {
	pc, err := procCluster(env.Cluster)
	if err != nil {
		return nil, err
	}
	return &membership{journal: journal{name: "membership", log: env.Logger}, pc: pc, dirs: env.DataDirs,
		rng: rand.New(rand.NewPCG(env.Seed, 17)), nextID: len(pc.Nodes()) + 1}, nil
}

func (m *membership) node(slot string) runner.Node {
	for _, n := range m.pc.Nodes() {
		if n.ID() == slot {
			return n
		}
	}
	return nil
}

func (m *membership) Invoke(ctx context.Context) error {
	if m.Wipe && m.removed > 0 {
		m.record("invoke", nil, "skipped: membership-wipe removes one node per run", nil)
		return runner.ErrSkipped
	}
	var running []string
	for _, n := range m.pc.Nodes() {
		if n.PID() != 0 && !slices.Contains(m.pending, n.ID()) {
			running = append(running, n.ID())
		}
	}
	if len(running) == 0 {
		return errors.New("membership: no running node")
	}
	target := running[m.rng.IntN(len(running))]
	// Prefer a voter (voter change: the leader must promote a non-voter).
	sts, _ := statuses(ctx, m.pc, time.Second)
	if mem := members(sts); mem != nil {
		var voters []string
		for _, st := range sts {
			if st.LeaderID == st.NodeID {
				for _, v := range st.Voters {
					if s := m.pc.SlotOf(v); slices.Contains(running, s) {
						voters = append(voters, s)
					}
				}
			}
		}
		if len(voters) > 0 {
			target = voters[m.rng.IntN(len(voters))]
		}
	}
	id := m.pc.NodeID(target)
	cl, err := adminClient(m.pc, target)
	if err != nil {
		return err
	}
	drain := !m.drained && m.rng.IntN(3) == 0
	if !drain {
		// A removal loses the node's shards (its data dir is emptied for
		// the add), like a lost disk: with 2+2 the cluster tolerates two
		// such losses before repair. Remove only once the previous change
		// is repaired (fsck healthy), as an operator would.
		why := m.waitHealthy(ctx, cl)
		if why != "" {
			if m.drained {
				m.record("invoke", nil, "skipped: cluster not repaired yet ("+why+")", nil)
				return runner.ErrSkipped
			}
			drain = true
		}
	}
	if drain {
		m.drained = true
		err = cl.Drain(ctx, id)
		m.record("invoke", []string{target}, "drain "+id+" (capacity 0)", err)
		if err == nil {
			m.undrain = id
		}
		return err
	}
	// --force: the node is live and its data dir is emptied right after,
	// like a lost disk; the product's own check (remove-node refuses a live
	// node while anything is degraded or rebalancing) is replaced by the
	// healthy-fsck wait above, which must not be second-guessed here.
	err = cl.RemoveNodeForce(ctx, id)
	m.record("invoke", []string{target}, "remove-node --force "+id, err)
	if err != nil {
		return err
	}
	m.removed++
	if m.undrain == id {
		m.undrain = "" // removed while its undrain was postponed
	}
	kerr := m.node(target).Kill(ctx)
	m.record("invoke", []string{target}, "stop removed node "+id, kerr)
	m.pending = append(m.pending, target)
	return kerr
}

// Heal replaces every removed node: a new node ID on the emptied data dir
// (Wipe: the old ID), started and, unless Wipe, waited for until it is in
// the leader's Raft configuration.
func (m *membership) Heal(ctx context.Context) error {
	var errs []error
	if id := m.undrain; id != "" {
		m.undrain = ""
		errs = append(errs, m.undrainNode(ctx, id))
	}
	for _, slot := range m.pending {
		old := m.pc.NodeID(slot)
		dir := m.dirs[slot]
		ents, err := os.ReadDir(dir)
		for _, e := range ents {
			err = errors.Join(err, os.RemoveAll(filepath.Join(dir, e.Name())))
		}
		id := old
		if err == nil && !m.Wipe {
			id = fmt.Sprintf("n%d", m.nextID)
			m.nextID++
			err = m.pc.Reincarnate(slot, id)
		}
		if err == nil {
			err = m.node(slot).Start(ctx, nemesis.StartOptions{})
		}
		if m.Wipe {
			m.record("heal", []string{slot}, "wipe data dir, start empty with the removed ID "+old, err)
			errs = append(errs, err)
			continue
		}
		detail := fmt.Sprintf("add: new node %s on the emptied data dir of removed %s", id, old)
		if err == nil {
			var took time.Duration
			took, err = m.waitMember(ctx, id)
			detail += fmt.Sprintf(", in the Raft configuration after %v", took.Round(100*time.Millisecond))
		}
		m.record("heal", []string{slot}, detail, err)
		errs = append(errs, err)
	}
	m.pending = nil
	return errors.Join(errs...)
}

// undrainNode gives the drained node back its capacity (client.Undrain)
// through the running nodes' APIs. The product refuses (ErrPrecondition)
// while gossip does not see the drained node up — another nemesis may have
// just killed or restarted it — so that is retried for undrainBound, then
// left for the next Heal (a drained node at the end of a run is legal: fsck
// must be healthy either way). Any other error fails the heal.
func (m *membership) undrainNode(ctx context.Context, id string) error {
	slot := m.pc.SlotOf(id)
	cl, err := adminClient(m.pc, "") // fails over across the running nodes
	if err != nil {
		return err
	}
	start := time.Now()
	for {
		var capacity uint64
		if capacity, err = cl.Undrain(ctx, id); err == nil {
			m.record("heal", []string{slot}, fmt.Sprintf("undrain %s (capacity %d)", id, capacity), nil)
			return nil
		}
		if !errors.Is(err, model.ErrPrecondition) || time.Since(start) > undrainBound || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(500 * time.Millisecond):
		}
	}
	if errors.Is(err, model.ErrPrecondition) {
		m.undrain = id // the next Heal tries again
		m.record("heal", []string{slot}, "undrain "+id+" postponed", err)
		return nil
	}
	m.record("heal", []string{slot}, "undrain "+id, err)
	return err
}

// undrainBound is how long Heal retries an undrain the product refuses.
const undrainBound = 15 * time.Second

// settleBound is how long Invoke waits for fsck to be healthy before a removal.
const settleBound = 20 * time.Second

// waitHealthy polls fsck until it is healthy ("") or settleBound passes
// (the last reason).
func (m *membership) waitHealthy(ctx context.Context, cl *client.Client) string {
	start := time.Now()
	why := "no answer"
	for time.Since(start) < settleBound && ctx.Err() == nil {
		fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		rep, ok, err := cl.Fsck(fctx, client.FsckOptions{})
		cancel()
		if err == nil {
			var healthy bool
			if healthy, why = fsckHealthy(rep, ok); healthy {
				return ""
			}
		} else {
			why = err.Error()
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	return why
}

// waitMember polls the nodes' status until the leader's configuration holds id.
func (m *membership) waitMember(ctx context.Context, id string) (time.Duration, error) {
	start := time.Now()
	for {
		sts, _ := statuses(ctx, m.pc, time.Second)
		if members(sts)[id] {
			return time.Since(start), nil
		}
		if time.Since(start) > joinBound {
			return time.Since(start), fmt.Errorf("membership: added node %s not in the Raft configuration after %v", id, joinBound)
		}
		select {
		case <-ctx.Done():
			return time.Since(start), ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
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
	for slot, st := range sts {
		if st.LeaderID != "" && st.LeaderID == st.NodeID {
			return slot, st.AppliedIndex
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
	// A freshly added or drained node may hold no shard yet: try the
	// running nodes in random order until one has shards to damage.
	c.rng.Shuffle(len(nodes), func(i, j int) { nodes[i], nodes[j] = nodes[j], nodes[i] })
	for _, n := range nodes {
		if err := n.Kill(ctx); err != nil {
			c.record("invoke", []string{n.ID()}, "stop", err)
			return err
		}
		detail, cerr := c.damage(filepath.Join(c.dirs[n.ID()], "shards"))
		serr := n.Start(ctx, nemesis.StartOptions{})
		if errors.Is(cerr, errNoEligibleShards) && serr == nil {
			c.record("invoke", []string{n.ID()}, "no eligible shards, trying another node", nil)
			continue
		}
		err := errors.Join(cerr, serr)
		c.record("invoke", []string{n.ID()}, detail, err)
		return err
	}
	// Nothing to damage anywhere (every chunk already took ShardParity
	// hits, or no data yet): the fault is a no-op, not a harness failure.
	c.record("invoke", nil, "no eligible shards on any running node", nil)
	return nil
}

// errNoEligibleShards: the node holds no shard the nemesis may damage.
var errNoEligibleShards = errors.New("corrupt-shards: no eligible shards")

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
		return "no shards", errNoEligibleShards
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

// FsckBound is how long FsckCheck waits, after the final heal and the
// final reads, for `datamon cluster fsck` to report a healthy cluster.
// Nodes run with --fast (repair delay 3 s, a repair/rebalance pass every
// 2 s), so one pass after the heal moves every misplaced shard and rebuilds
// every degraded chunk; the bound leaves room for a few passes on a loaded
// 2-core box (observed: see jepsen/README.md, "Checkers").
var FsckBound = 120 * time.Second

// fsckHealthy is the durability verdict of one fsck answer: healthy means
// ok, no lost, no degraded (hence no at-risk), no misplaced chunk and no
// unreadable bundle. why names what is not healthy ("" when healthy).
func fsckHealthy(rep client.FsckReport, ok bool) (healthy bool, why string) {
	var bad []string
	if !ok {
		bad = append(bad, "ok=false")
	}
	if rep.Lost > 0 {
		bad = append(bad, fmt.Sprintf("lost=%d %v", rep.Lost, rep.LostChunks))
	}
	if len(rep.Unreadable) > 0 {
		bad = append(bad, fmt.Sprintf("unreadable=%v", rep.Unreadable))
	}
	if rep.Degraded > 0 {
		bad = append(bad, fmt.Sprintf("degraded=%d (at_risk=%d)", rep.Degraded, rep.AtRisk))
	}
	if rep.Misplaced > 0 {
		bad = append(bad, fmt.Sprintf("misplaced=%d", rep.Misplaced))
	}
	if rep.Chunks != rep.Healthy {
		bad = append(bad, fmt.Sprintf("healthy=%d of %d chunks", rep.Healthy, rep.Chunks))
	}
	return len(bad) == 0, strings.Join(bad, " ")
}

// durabilitySummary is one line per node of `datamon cluster durability`
// (repair/rebalance progress), for a failed FsckCheck.
func durabilitySummary(ctx context.Context, cl *client.Client) string {
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	d, err := cl.Durability(dctx)
	if err != nil {
		return "durability: " + err.Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "layout=%d versions=%v degraded=%d misplaced=%d rebalance_done=%v;", d.LayoutVersion, d.LayoutVersions,
		d.DegradedChunks, d.Misplaced, d.RebalanceDone)
	for _, n := range d.Nodes {
		fmt.Fprintf(&b, " %s[%s cap=%d shards=%d passes=%d rebuilt=%d moved=%d degraded=%d misplaced=%d failures=%d done=%d %s]",
			n.ID, n.Health, n.Capacity, n.Shards, n.Repair.Passes, n.Repair.RebuiltShards, n.Rebalance.MovedShards,
			n.Repair.DegradedChunks, n.Rebalance.Misplaced, n.Repair.Failures, n.Rebalance.DoneVersion, n.Error)
	}
	return b.String()
}

// FsckCheck is a runner.Config.Checks entry: after the heal, `datamon
// cluster fsck` (client.Fsck) must report a healthy cluster — no lost, no
// degraded, no misplaced chunk and no unreadable bundle — within FsckBound.
// The product has no "repair now" API: every node runs a repair/rebalance
// pass every 2 s (--fast), and a layout change kicks one at once, so the
// check polls. Stats: the last fsck's figures, first_healthy_ms (time from
// the check's start to the first healthy answer) and unhealthy_polls.
func FsckCheck(ctx context.Context, c runner.Cluster) checker.Result {
	res := checker.Result{Checker: "durability-fsck", Valid: true, Stats: map[string]int{}}
	fail := func(kind, detail string) {
		res.Valid = false
		res.Anomalies = append(res.Anomalies, checker.Anomaly{Kind: kind, Detail: detail})
	}
	pc, err := procCluster(c)
	if err != nil {
		fail("fsck-error", err.Error())
		return res
	}
	cl, err := adminClient(pc, "")
	if err != nil {
		fail("fsck-error", err.Error())
		return res
	}
	start := time.Now()
	deadline := start.Add(FsckBound)
	var why string
	for polls := 0; ; polls++ {
		fctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		rep, ok, ferr := cl.Fsck(fctx, client.FsckOptions{})
		cancel()
		err = ferr
		if err == nil {
			res.Stats = map[string]int{"chunks": rep.Chunks, "healthy": rep.Healthy, "degraded": rep.Degraded,
				"at_risk": rep.AtRisk, "misplaced": rep.Misplaced, "lost": rep.Lost, "unreadable": len(rep.Unreadable),
				"bundles": rep.Bundles, "unhealthy_polls": polls}
			var healthy bool
			if healthy, why = fsckHealthy(rep, ok); healthy {
				res.Stats["first_healthy_ms"] = int(time.Since(start).Milliseconds())
				return res
			}
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(2 * time.Second)
	}
	if err != nil {
		fail("fsck-error", err.Error())
		return res
	}
	kind := "fsck-unhealthy"
	if res.Stats["lost"] > 0 || res.Stats["unreadable"] > 0 {
		kind = "fsck-lost" // a node still restarting may hide shards: loss counts only at the bound
	}
	fail(kind, fmt.Sprintf("not healthy %v after the heal: %s; %s", FsckBound, why, durabilitySummary(ctx, cl)))
	return res
}
