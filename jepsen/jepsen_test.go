package jepsen

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/datamon-io/datamon/jepsen/netns"
	"github.com/datamon-io/datamon/jepsen/runner"
)

var (
	flagShort    = flag.Bool("jepsen.short", false, "run the short jepsen profile (also JEPSEN=short)")
	flagFull     = flag.Bool("jepsen.full", false, "run the full jepsen matrix (make jepsen)")
	flagSeed     = flag.Uint64("jepsen.seed", 0, "seed (0 = time-based)")
	flagDuration = flag.Duration("jepsen.duration", 60*time.Second, "workload phase per scenario in -jepsen.full")
	flagMode     = flag.String("jepsen.mode", "auto", "network mode: auto, netns or loopback")
	flagScenario = flag.String("jepsen.scenario", "", "run only this scenario")
	flagOut      = flag.String("jepsen.out", "out", "results dir (relative to jepsen/)")
	flagVerbose  = flag.Bool("jepsen.verbose", false, "log harness events to stderr")
)

func TestJepsen(t *testing.T) {
	var scens []scenario
	switch {
	case *flagFull:
		scens = fullScenarios(*flagDuration)
	case *flagShort || os.Getenv("JEPSEN") == "short":
		scens = shortScenarios()
	default:
		t.Skip("jepsen runs only with -jepsen.short, JEPSEN=short or -jepsen.full")
	}
	seed := *flagSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano() % 1e9)
	}
	level := slog.LevelWarn
	if *flagVerbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if err := netns.Supported(); err != nil {
		t.Logf("netns unavailable (%v): loopback mode", err)
	}
	standin, err := runner.BuildStandin(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	passed, failed := 0, 0
	for _, sc := range scens {
		if *flagScenario != "" && sc.name != *flagScenario {
			continue
		}
		t.Run(sc.name, func(t *testing.T) {
			bin, env := standin, []string(nil)
			if sc.cluster == "datamon" {
				bin = os.Getenv("DATAMON_BIN")
				if bin == "" {
					t.Skip("DATAMON_BIN not set")
				}
			} else {
				env = []string{"JEPSEN_STANDIN_STALE=0"}
			}
			cfg := runner.Config{
				Name: sc.name, Nodes: sc.nodes, Duration: sc.duration, Seed: seed,
				Mode: netns.Mode(*flagMode), Nemeses: sc.nemeses, Workloads: sc.workloads,
				ResultsDir: filepath.Join(*flagOut, fmt.Sprintf("%s-%d", sc.name, seed)),
				FaultEvery: 2 * time.Second, FaultLength: 2 * time.Second, Warmup: 3 * time.Second,
				Quiet: 5 * time.Second, MinFaults: 5,
				Cluster:  runner.NewProcessCluster(runner.ProcessClusterConfig{Binary: bin, Env: env}),
				Registry: registry(), Logger: log,
			}
			rep, err := runner.Run(context.Background(), cfg)
			if err != nil {
				failed++
				fmt.Printf("FAIL %s harness: %v\n", sc.name, err)
				t.Fatal(err)
			}
			fmt.Println(rep.Line())
			if !rep.Valid {
				failed++
				t.Fatal(rep.Line())
			}
			passed++
			_ = os.RemoveAll(rep.Dir) // artifacts are kept only for failures
		})
	}
	_ = os.Remove(*flagOut) // only succeeds when no failure left artifacts
	fmt.Printf("%d passed, %d failed\n", passed, failed)
}
