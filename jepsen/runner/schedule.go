package runner

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Step is one point of the nemesis timeline.
type Step struct {
	At      time.Duration // since the workload phase began
	Nemesis string
	Heal    bool
}

func (s Step) String() string {
	a := "invoke"
	if s.Heal {
		a = "heal"
	}
	return fmt.Sprintf("%v %s %s", s.At, a, s.Nemesis)
}

// Schedule is the seeded, deterministic timeline: after Warmup, faults one at
// a time, each lasting FaultLength, separated by gaps of FaultEvery ± 50%,
// nemesis names chosen round-robin from a seeded shuffle (so every configured
// nemesis fires when the run is long enough). Every invoke has a heal before
// Duration.
func Schedule(cfg Config) []Step {
	cfg = cfg.withDefaults()
	if len(cfg.Nemeses) == 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x6a65707365))
	order := append([]string(nil), cfg.Nemeses...)
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	var steps []Step
	t := cfg.Warmup
	for i := 0; ; i++ {
		heal := t + cfg.FaultLength
		if heal > cfg.Duration {
			break
		}
		name := order[i%len(order)]
		steps = append(steps, Step{At: t, Nemesis: name}, Step{At: heal, Nemesis: name, Heal: true})
		gap := cfg.FaultEvery/2 + time.Duration(rng.Int64N(int64(cfg.FaultEvery)+1))
		t = heal + gap
	}
	return steps
}
