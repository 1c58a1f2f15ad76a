package report

import (
	"errors"
	"fmt"
	"time"
)

// Status of one measurement.
type Status string

// Measurement statuses.
const (
	StatusOK      Status = "ok"
	StatusSkipped Status = "skipped"
	StatusFailed  Status = "failed"
)

// ErrDecode reports a results file that cannot be read back.
var ErrDecode = errors.New("report: decode")

// Environment describes where and how a run was made.
type Environment struct {
	Hostname   string    `json:"hostname"`
	CPUModel   string    `json:"cpu_model"`
	Cores      int       `json:"cores"`
	MemoryMiB  uint64    `json:"memory_mib"`
	Kernel     string    `json:"kernel"`
	DiskDevice string    `json:"disk_device"`
	DiskFS     string    `json:"disk_fs"`
	DiskMount  string    `json:"disk_mount"`
	DiskSizeGB float64   `json:"disk_size_gb"`
	DiskFreeGB float64   `json:"disk_free_gb"`
	GoVersion  string    `json:"go_version"`
	GitCommit  string    `json:"git_commit"`
	GitDirty   bool      `json:"git_dirty"`
	EC         string    `json:"ec"`
	Nodes      int       `json:"nodes"`
	Sites      int       `json:"sites"`
	Cluster    string    `json:"cluster"` // "local" or the remote endpoints
	Profile    string    `json:"profile"`
	Root       bool      `json:"root"`
	Start      time.Time `json:"start"`
}

// Measurement is one figure of a run. Ceiling and Peer name other
// measurements of the same run; Resolve copies their values and computes the
// ratios.
type Measurement struct {
	Name  string  `json:"name"`
	Group string  `json:"group"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`

	Ceiling      string  `json:"ceiling,omitempty"`
	CeilingValue float64 `json:"ceiling_value,omitempty"`
	Ratio        float64 `json:"ratio,omitempty"` // Value / CeilingValue

	Peer      string  `json:"peer,omitempty"`
	PeerValue float64 `json:"peer_value,omitempty"`
	PeerRatio float64 `json:"peer_ratio,omitempty"` // Value / PeerValue (inverted when LowerIsBetter)

	// LowerIsBetter marks latencies and times: the peer ratio is then
	// PeerValue / Value so that > 1 always means "better than the peer".
	LowerIsBetter bool `json:"lower_is_better,omitempty"`

	// MinPeerRatio, when set, is the target: the lowest acceptable
	// PeerRatio (0.95: at most 5 % worse than the peer). Resolve sets
	// TargetMet once both values are known; it stays nil otherwise.
	MinPeerRatio float64 `json:"min_peer_ratio,omitempty"`
	TargetMet    *bool   `json:"target_met,omitempty"`

	Notes  string `json:"notes,omitempty"`
	Status Status `json:"status"`
	Reason string `json:"reason,omitempty"` // why skipped, or the error when failed

	// Series is an optional x/y series (e.g. throughput vs clients) drawn
	// as a line chart; Value is then a representative point.
	Series *Series        `json:"series,omitempty"`
	Extra  map[string]any `json:"extra,omitempty"`
	Took   time.Duration  `json:"took_ns,omitempty"`
}

// Series is a set of (x, y) points.
type Series struct {
	XLabel string    `json:"x_label"`
	YLabel string    `json:"y_label"`
	X      []float64 `json:"x"`
	Y      []float64 `json:"y"`
}

// Run is one benchmark run.
type Run struct {
	Env          Environment   `json:"environment"`
	Measurements []Measurement `json:"measurements"`
	End          time.Time     `json:"end"`
}

// OK builds a successful measurement.
func OK(group, name string, value float64, unit string) Measurement {
	return Measurement{Group: group, Name: name, Value: value, Unit: unit, Status: StatusOK}
}

// Skipped builds a skipped measurement with its reason.
func Skipped(group, name, unit, reason string) Measurement {
	return Measurement{Group: group, Name: name, Unit: unit, Status: StatusSkipped, Reason: reason}
}

// Failed builds a failed measurement carrying err.
func Failed(group, name, unit string, err error) Measurement {
	return Measurement{Group: group, Name: name, Unit: unit, Status: StatusFailed, Reason: err.Error()}
}

// Against sets the ceiling and peer measurement names m is compared with.
func (m Measurement) Against(ceiling, peer string) Measurement {
	m.Ceiling, m.Peer = ceiling, peer
	return m
}

// WithNotes appends a note.
func (m Measurement) WithNotes(n string) Measurement {
	if m.Notes != "" {
		m.Notes += "; "
	}
	m.Notes += n
	return m
}

// Resolve fills ceiling and peer values and ratios from the measurements of
// the run with those names (only successful ones count).
func (r *Run) Resolve() {
	byName := map[string]Measurement{}
	for _, m := range r.Measurements {
		if m.Status == StatusOK {
			byName[m.Name] = m
		}
	}
	for i := range r.Measurements {
		m := &r.Measurements[i]
		m.CeilingValue, m.Ratio, m.PeerValue, m.PeerRatio, m.TargetMet = 0, 0, 0, 0, nil
		if c, ok := byName[m.Ceiling]; ok && m.Ceiling != "" {
			m.CeilingValue = c.Value
			if m.Status == StatusOK && c.Value > 0 {
				m.Ratio = m.Value / c.Value
			}
		}
		if p, ok := byName[m.Peer]; ok && m.Peer != "" {
			m.PeerValue = p.Value
			if m.Status == StatusOK && p.Value > 0 && m.Value > 0 {
				if m.LowerIsBetter {
					m.PeerRatio = p.Value / m.Value
				} else {
					m.PeerRatio = m.Value / p.Value
				}
			}
		}
		if m.MinPeerRatio > 0 && m.PeerRatio > 0 {
			met := m.PeerRatio >= m.MinPeerRatio
			m.TargetMet = &met
		}
	}
}

// WithTarget sets the lowest acceptable ratio to the peer (MinPeerRatio).
func (m Measurement) WithTarget(minPeerRatio float64) Measurement {
	m.MinPeerRatio = minPeerRatio
	return m
}

// TargetText describes the target and whether it is met ("" without one):
// "≥ 0.95×: met", "≥ 0.95×: NOT MET", "≥ 0.95×: unknown".
func (m Measurement) TargetText() string {
	if m.MinPeerRatio <= 0 {
		return ""
	}
	t := fmt.Sprintf("≥ %.2f×: ", m.MinPeerRatio)
	switch {
	case m.TargetMet == nil:
		return t + "unknown"
	case *m.TargetMet:
		return t + "met"
	}
	return t + "NOT MET"
}

// Groups returns the group names in first-seen order.
func (r *Run) Groups() []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range r.Measurements {
		if !seen[m.Group] {
			seen[m.Group] = true
			out = append(out, m.Group)
		}
	}
	return out
}
