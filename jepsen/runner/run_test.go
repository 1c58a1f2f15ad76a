package runner

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"
)

// standinScenario runs a short scenario against stand-in nodes.
func standinScenario(t *testing.T, bin string, stale bool, nemeses []string) *Report {
	t.Helper()
	env := []string{"JEPSEN_STANDIN_STALE=0"}
	if stale {
		env[0] = "JEPSEN_STANDIN_STALE=1"
	}
	cfg := Config{
		Name: "standin", Nodes: 3, Duration: 10 * time.Second, Seed: 7, Nemeses: nemeses,
		Workloads: []string{"register", "set", "health"}, ResultsDir: t.TempDir(), Clients: 3,
		FaultEvery: 1500 * time.Millisecond, FaultLength: time.Second, Warmup: 1500 * time.Millisecond,
		Quiet: 500 * time.Millisecond, OpTimeout: 500 * time.Millisecond,
		Cluster:  NewProcessCluster(ProcessClusterConfig{Binary: bin, Env: env}),
		Registry: StandinRegistry(0),
		Logger:   slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(rep.Line())
	return rep
}

func TestRunStandin(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs processes")
	}
	bin, err := BuildStandin(context.Background(), t.TempDir())
	if err != nil {
		t.Skip(err)
	}
	nem := []string{"kill", "pause", "clock"}
	if os.Geteuid() == 0 {
		nem = append(nem, "partition-halves", "disk-full")
	}
	rep := standinScenario(t, bin, false, nem)
	if !rep.Valid {
		t.Fatalf("clean stand-in failed: %s", rep.Line())
	}
	if rep.Faults < 3 || rep.Ops["ok"] < 100 || rep.Mode == "" {
		t.Fatalf("run did too little: %s", rep.Line())
	}
	for _, f := range []string{"results.json", "history-register.jsonl", "nemesis.jsonl", "repro.txt", "nodes/n1.log"} {
		if _, err := os.Stat(rep.Dir + "/" + f); err != nil {
			t.Fatalf("missing artifact %s", f)
		}
	}

	// A stand-in serving stale reads must be caught, with a visualization.
	bad := standinScenario(t, bin, true, []string{"pause"})
	if bad.Valid || !strings.Contains(bad.Line(), "register: INVALID") {
		t.Fatalf("stale reads not caught: %s", bad.Line())
	}
	if _, err := os.Stat(bad.Dir + "/register.html"); err != nil {
		t.Fatal("no porcupine visualization")
	}
}
