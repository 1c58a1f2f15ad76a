package checker

import (
	"fmt"
	"strings"
)

// Anomaly is one violation found in a history.
type Anomaly struct {
	Kind   string `json:"kind"` // e.g. "lost", "stale", "corrupt", "fractured", "nonlinearizable"
	Key    string `json:"key,omitempty"`
	Detail string `json:"detail"`
	OpIDs  []int  `json:"op_ids,omitempty"`
}

// Result is the outcome of one checker.
type Result struct {
	Checker   string         `json:"checker"`
	Valid     bool           `json:"valid"`
	Anomalies []Anomaly      `json:"anomalies,omitempty"`
	Stats     map[string]int `json:"stats,omitempty"`
	Artifacts []string       `json:"artifacts,omitempty"` // files written (e.g. porcupine HTML)
}

func (r *Result) add(a Anomaly) {
	r.Anomalies = append(r.Anomalies, a)
	r.Valid = false
}

func (r *Result) stat(k string, n int) {
	if r.Stats == nil {
		r.Stats = map[string]int{}
	}
	r.Stats[k] += n
}

// String is a one-line summary.
func (r Result) String() string {
	if r.Valid {
		return fmt.Sprintf("%s: valid %v", r.Checker, r.Stats)
	}
	kinds := map[string]int{}
	for _, a := range r.Anomalies {
		kinds[a.Kind]++
	}
	var parts []string
	for k, n := range kinds {
		parts = append(parts, fmt.Sprintf("%s=%d", k, n))
	}
	return fmt.Sprintf("%s: INVALID %s", r.Checker, strings.Join(parts, " "))
}
