package suite

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/datamon-io/datamon/bench/ceiling"
	"github.com/datamon-io/datamon/bench/report"
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/localcluster"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/transfer"
)

// Repair measurement names (suffix .default / .max: the repair rate).
const (
	RepairRate    = "product.repair"
	RepairHealthy = "product.repair.healthy"
)

// Repair cluster shape: 2+2 keeps the cluster repairable (and Raft's three
// voters intact) after each of two non-voter nodes is lost in turn.
const (
	repairNodes = 5
	repairSites = 2
	repairEC    = "2+2"
	// repairMaxRate is "the highest priority": no practical limit.
	repairMaxRate = 1 << 40
)

// runRepair starts a dedicated local cluster (the shared one is not
// damaged for later figures), uploads the mixed data set and waits until
// fsck is healthy; then, once at the default repair rate and once at the
// highest, kills a node for good and removes it, and measures the shard
// bytes the survivors rebuild per second (from GET /v1/cluster/durability)
// and the time from the kill until fsck is 100 % healthy again.
func runRepair(ctx context.Context, e *Env) ([]report.Measurement, error) {
	if e.Cfg.remote() {
		return nil, Skip("needs a local cluster (it kills nodes)")
	}
	dir, set, _, err := e.Dataset(ctx, false)
	if err != nil {
		return nil, err
	}
	cl, ci, err := e.startLocal(ctx, fmt.Sprintf("repair-%d", time.Now().UnixNano()), repairNodes, repairSites, repairEC, 3)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := cl.Stop(); err != nil {
			e.Log.Warn("stopping repair cluster", "err", err)
		}
	}()
	alive := slices.Clone(ci.Endpoints)
	c, err := clientOf(e, ci, alive)
	if err != nil {
		return nil, err
	}
	repo := fmt.Sprintf("bench-repair-%d", time.Now().UnixNano())
	if _, err := c.CreateRepo(ctx, model.Repo{Context: model.DefaultContext, Name: repo, Description: "repair benchmark"}); err != nil {
		return nil, fmt.Errorf("suite: repair: create repo: %w", err)
	}
	te := &transferEnv{c: c, repo: repo, cfg: transfer.DefaultConfig()}
	te.cfg.Concurrency = 16
	if _, _, _, err := te.upload(ctx, dir, "repair data set"); err != nil {
		return nil, fmt.Errorf("suite: repair: upload: %w", err)
	}
	if _, err := waitFsckHealthy(ctx, c); err != nil {
		return nil, fmt.Errorf("suite: repair: before the node loss: %w", err)
	}
	var out []report.Measurement
	for _, r := range []struct {
		name string
		rate uint64
	}{{"default", 0}, {"max", repairMaxRate}} {
		victim, err := nonVoter(ctx, c, cl)
		if err != nil {
			return out, err
		}
		alive = slices.DeleteFunc(alive, func(u string) bool { return u == cl.Nodes[victim].APIURL() })
		ms, err := repairOnce(ctx, e, cl, ci, alive, victim, r.name, r.rate, set.Total())
		out = append(out, ms...)
		if err != nil {
			return out, err
		}
		if c, err = clientOf(e, ci, alive); err != nil {
			return out, err
		}
	}
	return out, nil
}

// repairOnce sets the repair rate, kills and removes node victim, and
// measures until fsck is healthy.
func repairOnce(ctx context.Context, e *Env, cl *localcluster.Cluster, ci *ClusterInfo, alive []string, victim int,
	name string, rate uint64, dataBytes int64) ([]report.Measurement, error) {
	c, err := clientOf(e, ci, alive)
	if err != nil {
		return nil, err
	}
	if err := c.SetRepairRate(ctx, rate); err != nil {
		return nil, fmt.Errorf("suite: repair: set rate: %w", err)
	}
	time.Sleep(1500 * time.Millisecond) // nodes re-read settings every second (--fast)
	id := cl.Nodes[victim].ID
	base, err := rebuilt(ctx, c, id)
	if err != nil {
		return nil, err
	}
	held, err := nodeShards(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if err := cl.Kill(victim); err != nil {
		return nil, fmt.Errorf("suite: repair: kill %s: %w", id, err)
	}
	kill := time.Now()
	if err := c.RemoveNode(ctx, id); err != nil {
		return nil, fmt.Errorf("suite: repair: remove %s: %w", id, err)
	}
	// Poll the durability figures while waiting for fsck: the rebuild
	// window runs from the kill to the last sample that saw bytes grow.
	var last uint64
	lastGrow := kill
	var rep client.FsckReport
	for {
		now := time.Now()
		b, err := rebuilt(ctx, c, id)
		if err == nil && b > last {
			last, lastGrow = b, now
		}
		r, ok, err := c.Fsck(ctx, client.FsckOptions{})
		if err == nil && ok && r.Chunks > 0 && r.Healthy == r.Chunks {
			rep = r
			break
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("suite: repair (%s rate): fsck not healthy (last %+v): %w", name, r, ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
	healthy := time.Since(kill)
	if b, err := rebuilt(ctx, c, id); err == nil && b > last {
		last, lastGrow = b, time.Now()
	}
	bytes := float64(last - base)
	window := lastGrow.Sub(kill)
	var mbs float64
	if window > 0 {
		mbs = bytes / window.Seconds() / 1e6
	}
	rateNote := "default rate (64 MiB/s per node)"
	if rate != 0 {
		rateNote = fmt.Sprintf("rate %d B/s (highest)", rate)
	}
	notes := fmt.Sprintf("%s; %s EC on %d nodes, node %s (%d shards) killed and removed; %.1f MiB rebuilt or moved by the survivors "+
		"in %s from the kill (incl. detection); %.0f MiB data set, %d chunks",
		rateNote, repairEC, len(cl.Nodes), id, held, bytes/(1<<20), window.Round(time.Millisecond),
		float64(dataBytes)/(1<<20), rep.Chunks)
	m := report.OK(GroupProduct, RepairRate+"."+name, mbs, "MB/s").Against(ceiling.DiskWrite2, "").WithNotes(notes)
	h := report.OK(GroupProduct, RepairHealthy+"."+name, healthy.Seconds(), "s").
		WithNotes(fmt.Sprintf("kill → fsck 100%% healthy (%d chunks), repair delay 3 s (--fast), fsck polled every 250 ms", rep.Chunks))
	h.LowerIsBetter = true
	return []report.Measurement{m, h}, nil
}

// rebuilt sums the shard bytes rebuilt or moved by every node but skip.
func rebuilt(ctx context.Context, c *client.Client, skip string) (uint64, error) {
	d, err := c.Durability(ctx)
	if err != nil {
		return 0, fmt.Errorf("suite: repair: durability: %w", err)
	}
	var sum uint64
	for _, n := range d.Nodes {
		if n.ID != skip {
			sum += n.Repair.RebuiltBytes
		}
	}
	return sum, nil
}

func nodeShards(ctx context.Context, c *client.Client, id string) (int64, error) {
	d, err := c.Durability(ctx)
	if err != nil {
		return 0, fmt.Errorf("suite: repair: durability: %w", err)
	}
	for _, n := range d.Nodes {
		if n.ID == id {
			return n.Shards, nil
		}
	}
	return 0, fmt.Errorf("suite: repair: node %s not in the durability report", id)
}

// nonVoter picks a running node whose loss keeps the metadata quorum: a
// non-Raft-voter (waiting up to 20 s for the voter set to shrink to its
// target after bootstrap), else a voter that is not the leader; the
// highest-numbered first.
func nonVoter(ctx context.Context, c *client.Client, cl *localcluster.Cluster) (int, error) {
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, err := c.ClusterStatus(ctx)
		if err != nil {
			return 0, fmt.Errorf("suite: repair: status: %w", err)
		}
		fallback := -1
		for i := len(cl.Nodes) - 1; i >= 0; i-- {
			n := cl.Nodes[i]
			if !n.Running() {
				continue
			}
			if !slices.Contains(st.Voters, n.ID) {
				return i, nil
			}
			if fallback < 0 && n.ID != st.LeaderID {
				fallback = i
			}
		}
		if time.Now().After(deadline) {
			if fallback < 0 {
				return 0, fmt.Errorf("suite: repair: no node to lose among %d (voters %v)", len(cl.Nodes), st.Voters)
			}
			return fallback, nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// waitFsckHealthy polls fsck until every chunk is healthy.
func waitFsckHealthy(ctx context.Context, c *client.Client) (client.FsckReport, error) {
	for {
		r, ok, err := c.Fsck(ctx, client.FsckOptions{})
		if err == nil && ok && r.Chunks > 0 && r.Healthy == r.Chunks {
			return r, nil
		}
		select {
		case <-ctx.Done():
			return r, fmt.Errorf("fsck not healthy (%+v, %v): %w", r, err, ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// clientOf is an API client of ci restricted to endpoints.
func clientOf(e *Env, ci *ClusterInfo, endpoints []string) (*client.Client, error) {
	cfg := client.DefaultConfig()
	cfg.Endpoints, cfg.AccessKey, cfg.SecretKey = endpoints, ci.AccessKey, ci.SecretKey
	cfg.Logger = e.Log
	c, err := client.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("suite: client: %w", err)
	}
	return c, nil
}
