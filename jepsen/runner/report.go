package runner

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/datamon-io/datamon/jepsen/checker"
	"github.com/datamon-io/datamon/jepsen/history"
	"github.com/datamon-io/datamon/jepsen/nemesis"
)

// Report is the outcome of one run (results.json).
type Report struct {
	Name      string         `json:"name"`
	Mode      string         `json:"mode"`               // which network mode actually ran
	ModeWhy   string         `json:"mode_why,omitempty"` // why auto fell back to loopback
	Seed      uint64         `json:"seed"`
	Nemeses   []string       `json:"nemeses"`
	Workloads []string       `json:"workloads"`
	Ops       map[string]int `json:"ops"`    // per status, all workloads
	Faults    int            `json:"faults"` // nemesis invocations that succeeded
	// LeaderFaults counts the faults that targeted the leader the Cluster reported.
	LeaderFaults int                         `json:"leader_faults"`
	Results      []checker.Result            `json:"results"`
	Errors       []string                    `json:"errors,omitempty"` // harness errors (also fail the run)
	Valid        bool                        `json:"valid"`
	Dir          string                      `json:"dir"`
	Repro        string                      `json:"repro"`
	Events       []nemesis.Event             `json:"-"`
	Histories    map[string]*history.History `json:"-"`
}

// Line is the one-line result printed per scenario.
func (r *Report) Line() string {
	st := "PASS"
	if !r.Valid {
		st = "FAIL"
	}
	var bad []string
	for _, c := range r.Results {
		if !c.Valid {
			bad = append(bad, c.String())
		}
	}
	bad = append(bad, r.Errors...)
	s := fmt.Sprintf("%s %s mode=%s seed=%d ops=%v faults=%d leader-faults=%d", st, r.Name, r.Mode, r.Seed, r.Ops, r.Faults, r.LeaderFaults)
	if len(bad) > 0 {
		s += " | " + strings.Join(bad, "; ") + " | results " + r.Dir + " | repro: " + r.Repro
	}
	return s
}

// write stores results.json, history-<workload>.jsonl, nemesis.jsonl and
// repro.txt under r.Dir.
func (r *Report) write() error {
	if err := os.MkdirAll(r.Dir, 0o755); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(r, "", "  ")
	if err := os.WriteFile(filepath.Join(r.Dir, "results.json"), b, 0o644); err != nil {
		return err
	}
	for name, h := range r.Histories {
		if err := h.Dump(filepath.Join(r.Dir, "history-"+name+".jsonl")); err != nil {
			return err
		}
	}
	f, err := os.Create(filepath.Join(r.Dir, "nemesis.jsonl"))
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for _, e := range r.Events {
		_ = enc.Encode(e)
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(r.Dir, "repro.txt"), []byte(r.Repro+"\n"), 0o644)
}

func reproLine(cfg Config) string {
	return fmt.Sprintf("go test ./jepsen -run . -jepsen.full -jepsen.scenario=%s -jepsen.seed=%d -jepsen.duration=%v -jepsen.mode=%s",
		cfg.Name, cfg.Seed, cfg.Duration, cfg.Mode)
}
