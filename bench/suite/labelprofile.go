package suite

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// profileCluster takes, while a load of length d runs, a CPU profile of every
// node of a local cluster (over the middle half of d) and a goroutine
// snapshot of each at d/2 (the off-CPU view: where requests wait). It
// returns when all are in, with one summary line per node; failures are
// reported in the summary, never as an error (profiles are commentary).
func profileCluster(ctx context.Context, e *Env, d time.Duration) string {
	ci, err := e.Cluster(ctx)
	if err != nil || !ci.Local {
		return "profiles unavailable: not a local cluster"
	}
	n := len(ci.RPCAddrs)
	out := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = profileOne(ctx, e, i, d)
		}()
	}
	wg.Wait()
	return strings.Join(out, "\n")
}

func profileOne(ctx context.Context, e *Env, i int, d time.Duration) string {
	wait := func(t time.Duration) bool {
		tm := time.NewTimer(t)
		defer tm.Stop()
		select {
		case <-tm.C:
			return true
		case <-ctx.Done():
			return false
		}
	}
	if !wait(d / 4) {
		return fmt.Sprintf("node%d: %v", i+1, ctx.Err())
	}
	pd := max(time.Second, d/2)
	type res struct {
		s   string
		err error
	}
	cpu := make(chan res, 1)
	go func() {
		s, err := profileNode(ctx, e, i, pd)
		cpu <- res{s, err}
	}()
	gor := "goroutines: unavailable"
	if wait(d / 4) {
		path, err := fetchProfile(ctx, e, i, "goroutine-profile", nil, 30*time.Second)
		if err == nil {
			var s string
			if s, err = pprofTop(ctx, e, path, "-cum", "-nodecount=25", "-focus=datamon"); err == nil {
				gor = "goroutines (cum): " + s
			}
		}
		if err != nil {
			gor = "goroutines: " + err.Error()
		}
	}
	c := <-cpu
	if c.err != nil {
		c.s = "unavailable: " + c.err.Error()
	}
	return fmt.Sprintf("node%d CPU: %s | %s", i+1, c.s, gor)
}
