package suite

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/datamon-io/datamon/bench/ceiling"
	"github.com/datamon-io/datamon/bench/report"
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/internal/sstdamage"
	"github.com/datamon-io/datamon/localcluster"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/transfer"
)

// Damaged-sstable measurement names (issue 14), next to product.repair.
const (
	DamageStart       = "product.repair.damage.start"         // s, node start → serving, 1 % of its sstables damaged
	DamageStartClean  = "product.repair.damage.start-clean"   // s, the same node's start without damage
	DamageRebuild     = "product.repair.damage.rebuild"       // shards/s after the report
	DamageRebuildMBps = "product.repair.damage.rebuild-bytes" // MB/s, against product.repair.default
)

// damageFraction is the share of the node's live sstables damaged.
const damageFraction = 0.01

// runDamage starts its own cluster (the repair shape), uploads the mixed
// data set, and restarts one node twice: once cleanly (the reference) and
// once after damaging 1 % of its sstables below Pebble (in turn: a flipped
// index-block byte, a truncated file, a deleted file: damage the node
// reports at open). It measures the time from each start to serving
// (/healthz and an authenticated status call through that node alone), and
// the shards the node's damage pass rebuilds per second from then on.
func runDamage(ctx context.Context, e *Env) ([]report.Measurement, error) {
	if e.Cfg.remote() {
		return nil, Skip("needs a local cluster (it stops a node and damages its files)")
	}
	dir, set, _, err := e.Dataset(ctx, false)
	if err != nil {
		return nil, err
	}
	cl, ci, err := e.startLocal(ctx, fmt.Sprintf("damage-%d", time.Now().UnixNano()), repairNodes, repairSites, repairEC, 3)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := cl.Stop(); err != nil {
			e.Log.Warn("stopping damage cluster", "err", err)
		}
	}()
	c, err := clientOf(e, ci, ci.Endpoints)
	if err != nil {
		return nil, err
	}
	repo := fmt.Sprintf("bench-damage-%d", time.Now().UnixNano())
	if _, err := c.CreateRepo(ctx, model.Repo{Context: model.DefaultContext, Name: repo, Description: "damaged-sstable benchmark"}); err != nil {
		return nil, fmt.Errorf("suite: damage: create repo: %w", err)
	}
	te := &transferEnv{c: c, repo: repo, cfg: transfer.DefaultConfig()}
	te.cfg.Concurrency = 16
	if _, _, _, err := te.upload(ctx, dir, "damage data set"); err != nil {
		return nil, fmt.Errorf("suite: damage: upload: %w", err)
	}
	if _, err := waitFsckHealthy(ctx, c); err != nil {
		return nil, fmt.Errorf("suite: damage: before: %w", err)
	}
	victim, err := nonVoter(ctx, c, cl)
	if err != nil {
		return nil, err
	}
	vc, err := clientOf(e, ci, []string{cl.Nodes[victim].APIURL()})
	if err != nil {
		return nil, err
	}
	clean, err := restartTimed(ctx, cl, victim, vc, nil)
	if err != nil {
		return nil, fmt.Errorf("suite: damage: clean restart: %w", err)
	}
	if _, err := waitFsckHealthy(ctx, c); err != nil {
		return nil, fmt.Errorf("suite: damage: after the clean restart: %w", err)
	}
	var dmg damageDone
	damaged, err := restartTimed(ctx, cl, victim, vc, func(shards string) (derr error) {
		dmg, derr = damageFiles(shards, rand.New(rand.NewPCG(14, uint64(victim))))
		return derr
	})
	if err != nil {
		return nil, fmt.Errorf("suite: damage: damaged restart: %w", err)
	}
	rb, err := waitDamageRebuilt(ctx, vc, cl.Nodes[victim].ID, dmg.lost)
	if err != nil {
		return nil, err
	}
	fsck, err := waitFsckHealthy(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("suite: damage: after the rebuild: %w", err)
	}
	return damageMeasurements(dmg, clean, damaged, rb, set.Total(), fsck.Chunks, cl.Nodes[victim].ID), nil
}

// damageDone is what damageFiles did.
type damageDone struct {
	tables, files, lost int
	bytes               int64 // sstable bytes of the damaged files
}

// damageFiles damages damageFraction of the live sstables in the stopped
// store dir (data tables holding shards; at least one).
func damageFiles(dir string, rng *rand.Rand) (damageDone, error) {
	tables, err := sstdamage.Inspect(dir)
	if err != nil {
		return damageDone{}, err
	}
	d := damageDone{tables: len(tables)}
	var data []sstdamage.Table
	for _, t := range tables {
		if t.DataOnly && len(t.Shards) > 0 {
			data = append(data, t)
		}
	}
	want := max(1, int(float64(len(tables))*damageFraction+0.5))
	if len(data) < want {
		return d, fmt.Errorf("suite: damage: %d data sstables, want %d: %w", len(data), want, sstdamage.ErrNoTable)
	}
	rng.Shuffle(len(data), func(i, j int) { data[i], data[j] = data[j], data[i] })
	for i, t := range data[:want] {
		switch i % 3 {
		case 0:
			var b sstdamage.Block
			if b, err = sstdamage.IndexBlock(t.Path); err == nil {
				err = sstdamage.Flip(t.Path, b, 1, rng)
			}
		case 1:
			_, err = sstdamage.Truncate(t.Path)
		default:
			err = os.Remove(t.Path)
		}
		if err != nil {
			return d, err
		}
		d.files++
		d.lost += len(t.Shards)
		d.bytes += t.Size
	}
	return d, nil
}

// restartTimed stops node i gracefully, applies damage (if any) to its
// shard store, starts it and returns the time from the start to serving.
func restartTimed(ctx context.Context, cl *localcluster.Cluster, i int, vc *client.Client, damage func(string) error) (time.Duration, error) {
	if err := cl.Terminate(i); err != nil {
		return 0, err
	}
	if damage != nil {
		if err := damage(filepath.Join(cl.Nodes[i].Dir, "shards")); err != nil {
			return 0, err
		}
	}
	start := time.Now()
	if err := cl.Restart(i); err != nil {
		return 0, err
	}
	for {
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		err := vc.Health(cctx)
		if err == nil {
			_, err = vc.ClusterStatus(cctx)
		}
		cancel()
		if err == nil {
			return time.Since(start), nil
		}
		if !cl.Nodes[i].Running() {
			return 0, fmt.Errorf("node %s exited after the restart: %w", cl.Nodes[i].ID, err)
		}
		select {
		case <-ctx.Done():
			return 0, errors.Join(ctx.Err(), err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// damageRebuild is what waitDamageRebuilt saw.
type damageRebuild struct {
	shards int           // rebuilt by the damage pass and the scrub
	total  time.Duration // serving → done
	pass   time.Duration // first sample showing the pass's listing → done (0: not seen)
}

// waitDamageRebuilt polls node id's damage figures (every 50 ms) until a
// damage pass has rebuilt shards and left none listed (damaged_shards is
// set when a pass lists them and cleared only after a pass without
// failures). A pass with failures is an error.
func waitDamageRebuilt(ctx context.Context, c *client.Client, id string, lost int) (damageRebuild, error) {
	served := time.Now()
	var listed time.Time
	for {
		d, err := c.Durability(ctx)
		now := time.Now()
		if err == nil {
			for _, n := range d.Nodes {
				dm := n.Damage
				if n.ID != id {
					continue
				}
				if dm.DamagedShards > 0 && listed.IsZero() {
					listed = now
				}
				switch {
				case dm.Rebuilt == 0:
				case dm.Failures > 0:
					return damageRebuild{}, fmt.Errorf("suite: damage: %s: %d shards of damaged sstables failed to rebuild", id, dm.Failures)
				case dm.DamagedShards == 0:
					r := damageRebuild{shards: int(dm.Rebuilt + n.Scrub.Repaired), total: now.Sub(served)}
					if !listed.IsZero() {
						r.pass = now.Sub(listed)
					}
					return r, nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return damageRebuild{}, fmt.Errorf("suite: damage: %d shards not rebuilt on %s (%v): %w", lost, id, err, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func damageMeasurements(d damageDone, clean, damaged time.Duration, rb damageRebuild,
	dataBytes int64, chunks int, id string) []report.Measurement {
	shape := fmt.Sprintf("%s EC on %d nodes, node %s; %.0f MiB data set, %d chunks", repairEC, repairNodes, id,
		float64(dataBytes)/(1<<20), chunks)
	what := fmt.Sprintf("%d of its %d sstables damaged below Pebble (index-block byte flipped / truncated / deleted in turn), "+
		"%d shards in them", d.files, d.tables, d.lost)
	c := report.OK(GroupProduct, DamageStartClean, clean.Seconds(), "s").
		WithNotes("graceful stop, start → /healthz and a status call answered through that node; " + shape)
	c.LowerIsBetter = true
	s := report.OK(GroupProduct, DamageStart, damaged.Seconds(), "s").Against("", DamageStartClean).
		WithNotes(fmt.Sprintf("%s; %.2f× the clean start; %s", what, damaged.Seconds()/clean.Seconds(), shape))
	s.LowerIsBetter = true
	// The rate counts from the first status sample showing the damage
	// pass's listing (polled every 50 ms); when the pass finished between
	// two samples, from serving (which includes the wait for the pass).
	window, from := rb.pass, "the damage pass's listing"
	if window <= 0 {
		window, from = rb.total, "serving (the pass ran between two samples)"
	}
	rate := float64(rb.shards) / window.Seconds()
	r := report.OK(GroupProduct, DamageRebuild, rate, "shards/s").
		WithNotes(fmt.Sprintf("%d shards rebuilt by the damage pass (and scrub) in %s from %s; %s from serving, incl. the wait "+
			"for the first pass (every 2 s, --fast); %s", rb.shards, window.Round(time.Millisecond), from,
			rb.total.Round(time.Millisecond), what))
	mb := float64(d.bytes) * float64(rb.shards) / float64(max(1, d.lost)) / window.Seconds() / 1e6
	b := report.OK(GroupProduct, DamageRebuildMBps, mb, "MB/s").Against(ceiling.DiskWrite2, RepairRate+".default").
		WithNotes("sstable bytes of the damaged files over the same window; peer = repair after a node loss in this run")
	return []report.Measurement{c, s, r, b}
}
