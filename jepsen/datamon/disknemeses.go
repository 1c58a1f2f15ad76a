package datamon

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/datamon-io/datamon/jepsen/nemesis"
	"github.com/datamon-io/datamon/jepsen/runner"
)

// Disk nemeses below Pebble (see jepsen/README.md):
//   - corrupt-sstables: stop a node, flip raw bytes inside data blocks of
//     its shard sstables (DATA_DIR/shards/*.sst), restart it;
//   - corrupt-sstables-destructive: the same, plus one sstable truncated to
//     half and one deleted (opt-in: -jepsen.sst-destructive);
//   - eio-shards: reads of the node's shard sstables fail with EIO (the
//     node's hidden --test-fault-file; nodes need FaultArgs) until heal.
//
// Each chunk of the 2+2 policy has its four shards on four distinct nodes,
// so faults confined to ShardParity distinct nodes per run leave every chunk
// at least K readable shards: faultNodes keeps that bound across all three.

// faultNodes is the set of nodes the disk nemeses of one run may damage.
type faultNodes struct {
	mu  sync.Mutex
	ids map[string]bool
}

// pick returns a running node to damage: one already damaged when the set
// is full, else any running node (random order).
func (f *faultNodes) pick(pc *runner.ProcessCluster, rng *rand.Rand) (runner.Node, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var known, any []runner.Node
	for _, n := range pc.Nodes() {
		if n.PID() == 0 {
			continue
		}
		if f.ids[n.ID()] {
			known = append(known, n)
		}
		any = append(any, n)
	}
	cands := any
	if len(f.ids) >= ShardParity {
		cands = known
	}
	if len(cands) == 0 {
		return nil, false
	}
	n := cands[rng.IntN(len(cands))]
	f.ids[n.ID()] = true
	return n, true
}

// FaultFile is the disk-fault rules file of the node whose data dir is
// dataDir (outside the data dir: a wipe does not touch it).
func FaultFile(dataDir string) string { return filepath.Clean(dataDir) + ".faults" }

// FaultArgs wraps a node-argv builder (nil: runner.DatamonArgs) with
// --test-fault-file FaultFile(data dir), for the eio-shards nemesis.
func FaultArgs(inner func(runner.NodeSpec, []runner.NodeSpec, time.Duration) []string) func(runner.NodeSpec, []runner.NodeSpec, time.Duration) []string {
	if inner == nil {
		inner = runner.DatamonArgs
	}
	return func(s runner.NodeSpec, all []runner.NodeSpec, off time.Duration) []string {
		return append(inner(s, all, off), "--test-fault-file", FaultFile(s.DataDir))
	}
}

// ---- corrupt-sstables

type corruptSSTables struct {
	journal
	pc     *runner.ProcessCluster
	dirs   map[string]string
	rng    *rand.Rand
	nodes  *faultNodes
	damage SSTDamage
}

func sstNemesis(name string, nodes *faultNodes, d SSTDamage) runner.NemesisFactory {
	return func(env runner.NemesisEnv) (nemesis.Nemesis, error) {
		pc, err := procCluster(env.Cluster)
		if err != nil {
			return nil, err
		}
		return &corruptSSTables{journal: journal{name: name, log: env.Logger}, pc: pc, dirs: env.DataDirs,
			rng: rand.New(rand.NewPCG(env.Seed, 31)), nodes: nodes, damage: d}, nil
	}
}

func (c *corruptSSTables) Invoke(ctx context.Context) error {
	n, ok := c.nodes.pick(c.pc, c.rng)
	if !ok {
		c.record("invoke", nil, "no running node it may damage", nil)
		return runner.ErrSkipped
	}
	if err := n.Kill(ctx); err != nil {
		c.record("invoke", []string{n.ID()}, "stop", err)
		return err
	}
	did, derr := DamageSSTables(filepath.Join(c.dirs[n.ID()], "shards"), c.damage, c.rng)
	serr := n.Start(ctx, nemesis.StartOptions{})
	if errors.Is(derr, errNoEligibleShards) && serr == nil {
		c.record("invoke", []string{n.ID()}, "no data sstable yet", nil)
		return runner.ErrSkipped
	}
	err := errors.Join(derr, serr)
	c.record("invoke", []string{n.ID()}, strings.Join(did, "; "), err)
	return err
}

// Heal does nothing: the damage stays on disk; the node's scrub and the
// durability service must find and rebuild it (FsckCheck).
func (c *corruptSSTables) Heal(context.Context) error { return nil }

// ---- eio-shards

type eioShards struct {
	journal
	pc     *runner.ProcessCluster
	dirs   map[string]string
	rng    *rand.Rand
	nodes  *faultNodes
	mu     sync.Mutex
	active map[string]string // node ID → its fault file while EIO is on
}

func newEIOShards(nodes *faultNodes) runner.NemesisFactory {
	return func(env runner.NemesisEnv) (nemesis.Nemesis, error) {
		pc, err := procCluster(env.Cluster)
		if err != nil {
			return nil, err
		}
		return &eioShards{journal: journal{name: "eio-shards", log: env.Logger}, pc: pc, dirs: env.DataDirs,
			rng: rand.New(rand.NewPCG(env.Seed, 37)), nodes: nodes, active: map[string]string{}}, nil
	}
}

func (e *eioShards) Invoke(context.Context) error {
	n, ok := e.nodes.pick(e.pc, e.rng)
	if !ok {
		e.record("invoke", nil, "no running node it may fault", nil)
		return runner.ErrSkipped
	}
	path := FaultFile(e.dirs[n.ID()])
	err := writeFileAtomic(path, []byte("# jepsen eio-shards\neio *.sst\n"))
	if err == nil {
		e.mu.Lock()
		e.active[n.ID()] = path
		e.mu.Unlock()
	}
	e.record("invoke", []string{n.ID()}, "EIO on reads of shards/*.sst", err)
	return err
}

func (e *eioShards) Heal(context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var errs []error
	for id, path := range e.active {
		err := writeFileAtomic(path, []byte("# jepsen eio-shards: healed\n"))
		e.record("heal", []string{id}, "EIO off", err)
		errs = append(errs, err)
		delete(e.active, id)
	}
	return errors.Join(errs...)
}

// writeFileAtomic replaces path (temp file + rename: the node never reads a
// half-written rules file).
func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
