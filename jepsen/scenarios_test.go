package jepsen

import (
	"time"

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
}

var allNemeses = []string{"partition-halves", "partition-leader", "partition-ring", "partition-bridge",
	"kill", "kill-leader", "pause", "pause-leader", "clock"}

// shortScenarios run under -jepsen.short / JEPSEN=short (< 3 minutes).
func shortScenarios() []scenario {
	return []scenario{
		{"standin-mixed", "standin", 3, 25 * time.Second,
			[]string{"kill", "pause", "clock", "partition-halves", "disk-full"}, []string{"register", "set", "health"}},
		// TODO(lead): replace "health" with the label-register, S3 set and bundle workloads.
		{"datamon-health-mixed", "datamon", 5, 40 * time.Second,
			[]string{"partition-halves", "partition-leader", "kill", "pause", "clock"}, []string{"health"}},
	}
}

// fullScenarios run under -jepsen.full (make jepsen): every nemesis alone
// and all combined, for the configured duration.
func fullScenarios(d time.Duration) []scenario {
	s := []scenario{{"standin-all", "standin", 5, d, append(allNemeses, "disk-full"), []string{"register", "set", "health"}}}
	for _, n := range allNemeses {
		s = append(s, scenario{"datamon-health-" + n, "datamon", 5, d, []string{n}, []string{"health"}})
	}
	s = append(s, scenario{"datamon-health-all", "datamon", 5, d, allNemeses, []string{"health"}})
	return s
}

func registry() runner.Registry {
	// The stand-in serves its store on node 0 only; the health workload
	// works with any cluster.
	return runner.StandinRegistry(0)
}
