package runner

import (
	"fmt"
	"testing"
	"time"
)

func TestScheduleDeterministic(t *testing.T) {
	cfg := Config{Seed: 42, Duration: 60 * time.Second, Nemeses: []string{"kill", "pause", "partition-halves"}}
	a, b := Schedule(cfg), Schedule(cfg)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("same seed, different schedule")
	}
	cfg.Seed = 43
	if fmt.Sprint(a) == fmt.Sprint(Schedule(cfg)) {
		t.Fatal("seed ignored")
	}
	seen := map[string]bool{}
	for i, s := range a {
		if s.At > cfg.Duration || (i%2 == 1) != s.Heal || (s.Heal && a[i-1].Nemesis != s.Nemesis) {
			t.Fatalf("bad step %d %v", i, s)
		}
		seen[s.Nemesis] = true
	}
	if len(seen) != 3 || len(a) < 10 {
		t.Fatalf("schedule %v", a)
	}
}

func TestValidate(t *testing.T) {
	if err := (Config{}).Validate(); err == nil {
		t.Fatal("empty config accepted")
	}
	cfg := Config{Cluster: NewProcessCluster(ProcessClusterConfig{}), Registry: StandinRegistry(0),
		Workloads: []string{"register"}, Nemeses: []string{"nope"}}
	if err := cfg.Validate(); err == nil {
		t.Fatal("unknown nemesis accepted")
	}
	cfg.Nemeses = []string{"kill"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
}
