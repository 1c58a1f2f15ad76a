package datamon

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/jepsen/runner"
)

// statuses asks every node about itself (stale ClusterStatus, each through a
// client pinned to that node).
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

// Leader is the ProcessClusterConfig.Leader hook: the leader most live nodes
// name (ties: a node that says it leads itself), "" when none answers.
func Leader(ctx context.Context, c *runner.ProcessCluster) (string, error) {
	sts, errs := statuses(ctx, c, time.Second)
	votes := map[string]int{}
	for id, st := range sts {
		if st.LeaderID == "" {
			continue
		}
		votes[st.LeaderID]++
		if st.LeaderID == id {
			votes[id]++ // it claims the lead itself
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

// StateHashes is the ProcessClusterConfig.StateHashes hook: every node's
// metadata state hash. Nodes may still be applying the tail of the log after
// the heal, so it polls until all hashes agree or ctx ends, and returns the
// last answers.
func StateHashes(ctx context.Context, c *runner.ProcessCluster) (map[string]string, map[string]error) {
	for {
		sts, errs := statuses(ctx, c, 2*time.Second)
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
