package datamon

import (
	"context"
	"errors"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/jepsen/runner"
)

// statuses asks every node about itself (stale ClusterStatus, each through a
// client pinned to that node). Both maps are keyed by slot (runner Node.ID);
// Status.NodeID is the product node ID the slot runs.
func statuses(ctx context.Context, c *runner.ProcessCluster, timeout time.Duration) (map[string]client.Status, map[string]error) {
	nodes := c.Nodes()
	addrs := apis(c)
	var mu sync.Mutex
	out, errs := map[string]client.Status{}, map[string]error{}
	var wg sync.WaitGroup
	for i, n := range nodes {
		if n.PID() == 0 {
			continue // stopped (e.g. removed by the membership nemesis): no state to compare
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := newCaller(c.Env().Dial, addrs[i:i+1], 0, timeout).clients[0]
			octx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			st, err := cl.ClusterStatus(client.Stale(octx))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs[n.ID()] = err
				return
			}
			out[n.ID()] = st
		}()
	}
	wg.Wait()
	return out, errs
}

// Leader is the ProcessClusterConfig.Leader hook: the slot of the leader
// most live nodes name (ties: a node that says it leads itself), "" when
// none answers.
func Leader(ctx context.Context, c *runner.ProcessCluster) (string, error) {
	sts, errs := statuses(ctx, c, time.Second)
	votes := map[string]int{}
	for _, st := range sts {
		slot := c.SlotOf(st.LeaderID)
		if slot == "" {
			continue
		}
		votes[slot]++
		if st.LeaderID == st.NodeID {
			votes[slot]++ // it claims the lead itself
		}
	}
	best, n := "", 0
	ids := make([]string, 0, len(votes))
	for id := range votes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if votes[id] > n {
			best, n = id, votes[id]
		}
	}
	if best == "" && len(errs) > 0 {
		var all []error
		for _, e := range errs {
			all = append(all, e)
		}
		return "", errors.Join(all...)
	}
	return best, nil
}

// members is the Raft configuration (voters and non-voters, product IDs)
// reported by the node that leads in the highest term; nil when no node
// claims the lead.
func members(sts map[string]client.Status) map[string]bool {
	var best *client.Status
	for _, st := range sts {
		if st.LeaderID != "" && st.LeaderID == st.NodeID && (best == nil || st.Term > best.Term) {
			best = &st
		}
	}
	if best == nil {
		return nil
	}
	m := map[string]bool{}
	for _, id := range append(slices.Clone(best.Voters), best.NonVoters...) {
		m[id] = true
	}
	return m
}

// StateHashes is the ProcessClusterConfig.StateHashes hook: every member
// node's metadata state hash, keyed by slot. Nodes may still be applying
// the tail of the log after the heal, so it polls until all hashes agree or
// ctx ends, and returns the last answers.
//
// A running node outside the leader's Raft configuration (membership-wipe
// restarts a removed ID empty; raftmeta never re-adds it) has no state to
// converge to: it is skipped when it says so — it refuses with 503
// NotServing, as every node without applied metadata must. A non-member
// that answers anything else is compared like a member (and diverges).
func StateHashes(ctx context.Context, c *runner.ProcessCluster) (map[string]string, map[string]error) {
	for {
		sts, errs := statuses(ctx, c, 2*time.Second)
		mem := members(sts)
		for slot, err := range errs {
			if mem != nil && !mem[c.NodeID(slot)] && notServing(err) {
				delete(errs, slot)
			}
		}
		hashes := map[string]string{}
		distinct := map[string]bool{}
		for id, st := range sts {
			hashes[id] = st.StateHash
			distinct[st.StateHash] = true
		}
		if len(errs) == 0 && len(distinct) == 1 && !distinct[""] {
			return hashes, nil
		}
		select {
		case <-ctx.Done():
			return hashes, errs
		case <-time.After(500 * time.Millisecond):
		}
	}
}
