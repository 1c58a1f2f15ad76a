package runner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/datamon-io/datamon/jepsen/checker"
	"github.com/datamon-io/datamon/jepsen/history"
	"github.com/datamon-io/datamon/jepsen/nemesis"
	"github.com/datamon-io/datamon/jepsen/netns"
)

// Run executes one scenario and returns its report (also written to
// cfg.ResultsDir). err is non-nil only when the harness could not run at all;
// anomalies and harness trouble during the run make Report.Valid false.
// Every namespace, mount, nft table and process is cleaned up before return.
func Run(ctx context.Context, cfg Config) (rep *Report, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	log := cfg.Logger
	rep = &Report{Name: cfg.Name, Seed: cfg.Seed, Nemeses: cfg.Nemeses, Workloads: cfg.Workloads,
		Dir: cfg.ResultsDir, Repro: cmp.Or(cfg.Repro, reproLine(cfg)), Histories: map[string]*history.History{}}
	var cleanups []func() error
	defer func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			if cerr := cleanups[i](); cerr != nil {
				rep.Errors = append(rep.Errors, "cleanup: "+cerr.Error())
				rep.Valid = false
			}
		}
		if werr := rep.write(); werr != nil && err == nil {
			err = werr
		}
	}()

	nw, err := netns.Create(ctx, netns.Config{Nodes: cfg.Nodes, Mode: cfg.Mode, Logger: log})
	if err != nil {
		return rep, err
	}
	cleanups = append(cleanups, func() error { return nw.Close(context.WithoutCancel(ctx)) })
	rep.Mode, rep.ModeWhy = string(nw.Mode), nw.Why
	log.Info("runner: network", "mode", nw.Mode, "why", nw.Why, "subnet", nw.Subnet)

	specs, dataDirs, err := prepareNodes(ctx, cfg, nw, &cleanups)
	if err != nil {
		return rep, err
	}
	env := Env{Network: nw, Specs: specs, ResultsDir: cfg.ResultsDir, Logger: log, Dial: nw.Dialer()}
	cl, err := cfg.Cluster(ctx, env)
	if err != nil {
		return rep, fmt.Errorf("runner: start cluster: %w", err)
	}
	cleanups = append(cleanups, func() error { return cl.Close(context.WithoutCancel(ctx)) })
	hctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	err = cl.WaitHealthy(hctx)
	cancel()
	if err != nil {
		return rep, fmt.Errorf("runner: cluster never healthy: %w", err)
	}

	nems := map[string]nemesis.Nemesis{}
	for i, name := range cfg.Nemeses {
		var n nemesis.Nemesis
		if f := cfg.ExtraNemeses[name]; f != nil {
			n, err = f(NemesisEnv{Seed: cfg.Seed + uint64(i) + 1, Network: nw, Cluster: cl, DataDirs: dataDirs, Logger: log})
		} else {
			n, err = buildNemesis(name, cfg.Seed+uint64(i)+1, nw, cl, dataDirs, log)
		}
		if err != nil {
			return rep, err
		}
		nems[name] = n
	}
	wenv := WorkloadEnv{Cluster: cl, Seed: cfg.Seed, OpTimeout: cfg.OpTimeout, Dial: nw.Dialer(), Logger: log}
	var wls []Workload
	for _, name := range cfg.Workloads {
		w, err := cfg.Registry[name](wenv)
		if err != nil {
			return rep, fmt.Errorf("runner: workload %s: %w", name, err)
		}
		wls = append(wls, w)
	}
	// Histories start together with the timeline (after every workload's
	// setup), so history offsets and schedule offsets share one origin.
	for _, name := range cfg.Workloads {
		rep.Histories[name] = history.New()
	}

	// Workload phase: clients and the nemesis timeline run concurrently for
	// Duration; then everything is healed and the clients keep going for the
	// Quiet period, which is the "after heal" liveness window.
	start := time.Now()
	// The clients stop Quiet after the final heal actually finished (a
	// nemesis step may run past Duration, e.g. membership waiting for
	// repair), so the after-heal liveness window is always Quiet long.
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	nctx, nstop := context.WithTimeout(ctx, cfg.Duration)
	defer nstop()
	var wg sync.WaitGroup
	for i, w := range wls {
		h := rep.Histories[cfg.Workloads[i]]
		for p := range cfg.Clients {
			wg.Add(1)
			go func() { defer wg.Done(); w.Client(wctx, p, h) }()
		}
	}
	firstFault, faults, leaderFaults, nerrs := runSchedule(nctx, Schedule(cfg), nems, start)
	rep.Faults, rep.LeaderFaults = faults, leaderFaults
	rep.Errors = append(rep.Errors, nerrs...)
	if faults < cfg.MinFaults {
		rep.Errors = append(rep.Errors, fmt.Sprintf("only %d faults injected, want ≥ %d", faults, cfg.MinFaults))
	}
	if leaderFaults < cfg.MinLeaderFaults {
		rep.Errors = append(rep.Errors, fmt.Sprintf("only %d faults aimed at the known leader, want ≥ %d", leaderFaults, cfg.MinLeaderFaults))
	}
	<-nctx.Done()
	for _, name := range cfg.Nemeses {
		if err := nems[name].Heal(context.WithoutCancel(ctx)); err != nil {
			rep.Errors = append(rep.Errors, "final heal "+name+": "+err.Error())
		}
	}
	healAt := time.Since(start)
	select {
	case <-ctx.Done():
	case <-time.After(cfg.Quiet):
	}
	stop()
	wg.Wait()
	quietEnd := time.Since(start)

	// Final reads and checks.
	hctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	if err := cl.WaitHealthy(hctx); err != nil {
		rep.Errors = append(rep.Errors, "not healthy after heal: "+err.Error())
	}
	cancel()
	for i, w := range wls {
		h := rep.Histories[cfg.Workloads[i]]
		if err := w.Final(ctx, cfg.Clients, h); err != nil {
			rep.Errors = append(rep.Errors, fmt.Sprintf("final read %s: %v", w.Name(), err))
		}
	}
	rep.Results = check(ctx, cfg, cl, wls, rep, firstFault, healAt, quietEnd)
	for _, n := range cfg.Nemeses {
		rep.Events = append(rep.Events, nems[n].Log()...)
	}
	sort.Slice(rep.Events, func(i, j int) bool { return rep.Events[i].Time.Before(rep.Events[j].Time) })
	rep.Ops = map[string]int{}
	for _, h := range rep.Histories {
		for st, n := range h.Counts() {
			rep.Ops[string(st)] += n
		}
	}
	rep.Valid = len(rep.Errors) == 0
	for _, r := range rep.Results {
		rep.Valid = rep.Valid && r.Valid
	}
	return rep, nil
}

// prepareNodes builds node specs and data dirs (tmpfs when disk-full is on).
func prepareNodes(ctx context.Context, cfg Config, nw *netns.Network, cleanups *[]func() error) ([]NodeSpec, map[string]string, error) {
	base, err := filepath.Abs(filepath.Join(cfg.ResultsDir, "data"))
	if err != nil {
		return nil, nil, err
	}
	// Every run starts from empty data dirs: a kept failed run with the same
	// scenario and seed must not hand its Raft state (old addresses, old
	// cluster secret) to the next one.
	if err := os.RemoveAll(base); err != nil {
		return nil, nil, err
	}
	dirs := map[string]string{}
	var specs []NodeSpec
	for i, n := range nw.Nodes {
		s := NodeSpec{Index: i, ID: n.Name, Site: fmt.Sprintf("site%d", i%3+1), NS: n.NS, IP: n.IP,
			Ports: cfg.Ports, DataDir: filepath.Join(base, n.Name)}
		if err := os.MkdirAll(s.DataDir, 0o755); err != nil {
			return nil, nil, err
		}
		if cfg.TmpfsDataDirs || slices.Contains(cfg.Nemeses, "disk-full") {
			unmount, err := nemesis.MountTmpfs(ctx, s.DataDir, 256<<20, nw.Ledger)
			if err != nil {
				return nil, nil, err
			}
			*cleanups = append(*cleanups, unmount)
		}
		dirs[s.ID] = s.DataDir
		specs = append(specs, s)
	}
	return specs, dirs, nil
}

// ErrSkipped is returned by a nemesis Invoke that had nothing left to do
// (e.g. membership after its one removal and drain); it is not counted.
var ErrSkipped = errors.New("runner: nemesis skipped")

// runSchedule executes the timeline until ctx ends; it returns the offset of
// the first fault, the number of successful invocations, how many of them
// targeted the known leader, and errors.
func runSchedule(ctx context.Context, steps []Step, nems map[string]nemesis.Nemesis, start time.Time) (time.Duration, int, int, []string) {
	first, faults, leader := time.Duration(-1), 0, 0
	var errs []string
	for _, s := range steps {
		select {
		case <-ctx.Done():
			return first, faults, leader, errs
		case <-time.After(time.Until(start.Add(s.At))):
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		var err error
		if s.Heal {
			err = nems[s.Nemesis].Heal(sctx)
		} else {
			err = nems[s.Nemesis].Invoke(sctx)
			if errors.Is(err, ErrSkipped) {
				err = nil // nothing left to do: neither a fault nor an error
			} else if err == nil {
				faults++
				if a, ok := nems[s.Nemesis].(leaderAimer); ok && a.AimedAtLeader() {
					leader++
				}
				if first < 0 {
					first = time.Since(start)
				}
			}
		}
		cancel()
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", s, err))
		}
	}
	return first, faults, leader, errs
}

func check(ctx context.Context, cfg Config, cl Cluster, wls []Workload, rep *Report, firstFault, healAt, quietEnd time.Duration) []checker.Result {
	var res []checker.Result
	for i, w := range wls {
		ops := rep.Histories[cfg.Workloads[i]].Ops()
		res = append(res, w.Check(ops, cfg.ResultsDir)...)
		pre := firstFault
		if pre < 0 {
			pre = cfg.Duration
		}
		before, after := cfg.MinOKBeforeFault, cfg.MinOKAfterHeal
		if f, ok := cfg.Floors[cfg.Workloads[i]]; ok {
			before, after = f.BeforeFault, f.AfterHeal
		}
		res = append(res, checker.CheckLiveness(w.Name()+"-before-fault", ops, 0, pre, before))
		res = append(res, checker.CheckLiveness(w.Name()+"-after-heal", ops, healAt, quietEnd, after))
	}
	hctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	hashes, errs := cl.StateHashes(hctx)
	if hashes != nil || errs != nil {
		res = append(res, checker.CheckConvergence(hashes, errs))
	}
	for _, c := range cfg.Checks {
		res = append(res, c(ctx, cl))
	}
	if pc, ok := cl.(*ProcessCluster); ok {
		res = append(res, CheckCrashes(pc.Crashes()))
		if pc.proxies != nil {
			res = append(res, CheckPeerProxies(pc.proxies))
		}
	}
	return res
}
