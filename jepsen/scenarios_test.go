package jepsen

import (
	"slices"
	"strings"
	"time"

	"github.com/datamon-io/datamon/jepsen/datamon"
	"github.com/datamon-io/datamon/jepsen/runner"
)

// scenario is one named run. Cluster "standin" uses the harness's stand-in
// node (checks the harness itself); "datamon" uses $DATAMON_BIN.
type scenario struct {
	name      string
	cluster   string
	nodes     int
	duration  time.Duration
	nemeses   []string
	workloads []string
	floors    map[string]runner.Floor // liveness floors per workload (default 1/1)
	// regression, when set, makes this a client regression scenario
	// (regressionConfig): register clients with this configuration.
	regression *datamon.Config
}

// regressionScenarios pin client bugs the suite found (README "Bugs
// found"): register clients reach every node through a proxy resetting 10%
// of forwarded chunks, so answers get lost after the request applied,
// while the leader is killed and paused (the floors of every product
// scenario: ≥ 5 faults, ≥ 1 on the leader, liveness).
//   - datamon-open-client-resend (bug 1): the client library resent a
//     conditional label move whose answer was lost and reported the
//     resend's precondition failure for a move that had applied.
//   - datamon-open-client-retries (bug 7): every client runs the product
//     client's own retries, which resent unconditional label moves; a
//     resend after another writer's move moved the label back. Fixed by
//     request IDs (issue 22): the client now resends every write with
//     the ID of its first attempt and the cluster applies it once; the
//     bundle workload runs through the same retries here.
//
// They run in the short and full profiles and alone with -jepsen.open,
// with seed regressionSeed unless -jepsen.seed names one.
// regressionSeed found bugs 1 and 7.
const regressionSeed = 11

func regressionScenarios() []scenario {
	reg := func(name string, cfg datamon.Config) scenario {
		return scenario{name: name, cluster: "datamon", nodes: 5, duration: 40 * time.Second,
			nemeses: []string{"kill-leader", "pause-leader"}, workloads: []string{"register"},
			floors: map[string]runner.Floor{"register": productFloors["register"]}, regression: &cfg}
	}
	retries := reg("datamon-open-client-retries", datamon.Config{ResetProb: 0.1, ClientRetries: datamon.RetriesAll})
	retries.workloads = []string{"register", "bundle"}
	retries.floors = map[string]runner.Floor{"register": productFloors["register"], "bundle": productFloors["bundle"]}
	return []scenario{reg("datamon-open-client-resend", datamon.Config{ResetProb: 0.1}), retries}
}

var allNemeses = []string{"partition-halves", "partition-leader", "partition-ring", "partition-bridge",
	"kill", "kill-leader", "pause", "pause-leader", "clock"}

// productNemeses run only against the real binary: disk-full (tmpfs data
// dirs), latency and lossy (peer proxies: nodes advertise them with
// --advertise-rpc/--advertise-raft) and the product nemeses of
// jepsen/datamon.Nemeses.
var productNemeses = []string{"disk-full", "membership", "partition-snapshot", "corrupt-shards", "latency", "lossy"}

// durable reports whether a scenario gets the durability check (every
// object fetched and hashed by the set's final read, fsck after heal): the
// full profile, and scenarios with membership or disk nemeses.
func durable(sc scenario, full bool) bool {
	for _, n := range sc.nemeses {
		if n == "membership" || n == "membership-wipe" || n == "corrupt-shards" || n == "disk-full" || n == "partition-snapshot" ||
			slices.Contains(diskNemeses, n) || n == "corrupt-sstables-destructive" {
			return true
		}
	}
	return full && sc.cluster == "datamon"
}

// leaderAimed: the scenario has a nemesis that aims at the leader (the
// -leader variants, latency and lossy), so it must hit it at least once.
func leaderAimed(sc scenario) bool {
	for _, n := range sc.nemeses {
		if strings.HasSuffix(n, "-leader") || n == "latency" || n == "lossy" {
			return true
		}
	}
	return false
}

func hasNemesis(sc scenario, name string) bool {
	for _, n := range sc.nemeses {
		if n == name {
			return true
		}
	}
	return false
}

// diskNemeses damage disks below Pebble (raw sstable bytes, EIO): full
// matrix singles and datamon-disk-faults, not datamon-all (together with
// membership removals and corrupt-shards they could exceed m damaged
// shards of a chunk, a harness over-reach rather than a product bug).
var diskNemeses = []string{"corrupt-sstables", "eio-shards"}

// productWorkloads run against the real binary.
var productWorkloads = []string{"register", "bundle", "set"}

// identityWorkloads add the keys workload (access keys created, rotated
// without grace and deleted while S3 PUTs use them) to the product ones:
// under partitions a revoked secret must never authorise a write once its
// revocation was acknowledged. In datamon-process since the state machine
// checks each write's auth stamp at apply: seed 6 stored 2 PUTs sent to a
// node just before it was paused while only the edge checked keys
// (jepsen/README.md, keys workload).
var identityWorkloads = append(append([]string(nil), productWorkloads...), "keys")

// productFloors are the liveness floors of the product workloads: ok ops
// before the first fault (the 5 s warm-up) and in the 15 s after the final
// heal. Observed with all three workloads on a shared, loaded 2-core box
// (seeds 2-8): before-fault register 194-778, bundle 45-127, set 61-128;
// after-heal register 1138-4123, bundle 220-856, set 307-631. The floors sit
// at a third to a half of the lowest, so a cluster that stalls for most of
// a window fails while ordinary load jitter does not.
var productFloors = map[string]runner.Floor{
	"register": {BeforeFault: 100, AfterHeal: 400},
	"bundle":   {BeforeFault: 20, AfterHeal: 80},
	"set":      {BeforeFault: 30, AfterHeal: 120},
}

// shortScenarios run under -jepsen.short / JEPSEN=short. Together they cover
// partitions (incl. isolating the leader), kill+restart, pause and clock
// offsets; each product scenario has a leader-aimed nemesis, and the
// round-robin schedule fires every nemesis of a scenario once its first 5
// faults are in. The client regression scenarios run last.
func shortScenarios() []scenario {
	s := []scenario{
		{"standin-mixed", "standin", 3, 25 * time.Second,
			[]string{"kill", "pause", "clock", "partition-halves", "disk-full"}, []string{"register", "set", "health"}, nil, nil},
		{"datamon-partitions", "datamon", 5, 45 * time.Second,
			[]string{"partition-halves", "partition-leader", "partition-ring", "partition-bridge"}, identityWorkloads, productFloors, nil},
		{"datamon-process", "datamon", 5, 45 * time.Second,
			[]string{"kill", "kill-leader", "pause", "pause-leader"}, identityWorkloads, productFloors, nil},
		{"datamon-clock-mixed", "datamon", 5, 45 * time.Second,
			[]string{"clock", "partition-leader", "kill-leader", "pause"}, productWorkloads, productFloors, nil},
		{"datamon-membership-disk", "datamon", 5, 45 * time.Second,
			[]string{"membership", "partition-snapshot", "corrupt-shards", "disk-full", "kill-leader"}, productWorkloads, productFloors, nil},
		{"datamon-latency-mixed", "datamon", 5, 45 * time.Second,
			[]string{"latency", "lossy", "pause-leader"}, productWorkloads, productFloors, nil},
		{"datamon-disk-faults", "datamon", 5, 45 * time.Second,
			[]string{"corrupt-sstables", "eio-shards", "kill-leader"}, productWorkloads, productFloors, nil},
	}
	return append(s, regressionScenarios()...)
}

// fullScenarios run under -jepsen.full (make jepsen): every nemesis alone
// and all combined, for the configured duration.
func fullScenarios(d time.Duration) []scenario {
	s := []scenario{{name: "standin-all", cluster: "standin", nodes: 5, duration: d,
		nemeses: append(allNemeses, "disk-full"), workloads: []string{"register", "set", "health"}}}
	product := append(append([]string(nil), allNemeses...), productNemeses...)
	for _, n := range product {
		nems := []string{n}
		if n == "membership" {
			// A removal waits until the previous change is repaired
			// (≤ 20 s), so membership alone fires too rarely for the
			// 5-fault floor: kill-leader fills the gaps.
			nems = append(nems, "kill-leader")
		}
		s = append(s, scenario{name: "datamon-" + n, cluster: "datamon", nodes: 5, duration: d, nemeses: nems,
			workloads: productWorkloads, floors: productFloors})
	}
	for _, n := range diskNemeses {
		s = append(s, scenario{name: "datamon-" + n, cluster: "datamon", nodes: 5, duration: d,
			nemeses: []string{n, "kill-leader"}, workloads: productWorkloads, floors: productFloors})
	}
	s = append(s, scenario{name: "datamon-all", cluster: "datamon", nodes: 5, duration: d, nemeses: product,
		workloads: productWorkloads, floors: productFloors})
	// Bug 2 (README, fixed): a removed node restarted empty with its old ID.
	s = append(s, scenario{name: "datamon-membership-wipe", cluster: "datamon", nodes: 5, duration: d,
		nemeses: []string{"membership-wipe", "kill-leader"}, workloads: productWorkloads, floors: productFloors})
	return append(s, regressionScenarios()...)
}
