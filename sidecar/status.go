package sidecar

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// States and phases of the status file.
const (
	StateRunning   = "running"
	StateReady     = "ready" // inputs mounted: the application may start
	StateSucceeded = "succeeded"
	StateFailed    = "failed"

	PhaseConnect = "connect"
	PhaseInputs  = "inputs"
	PhaseApp     = "app"
	PhaseOutputs = "outputs"
	PhaseDone    = "done"
)

// Status is the status file's content.
type Status struct {
	State    string    `json:"state"`
	Phase    string    `json:"phase"`
	Reason   string    `json:"reason,omitempty"`
	ExitCode int       `json:"exit_code"`
	AppExit  *int      `json:"app_exit_code,omitempty"`
	Outputs  []Output  `json:"outputs,omitempty"`
	Started  time.Time `json:"started"`
	Updated  time.Time `json:"updated"`
}

// Output is the result of one output.
type Output struct {
	Repo   string `json:"repo"`
	Label  string `json:"label"`
	Dir    string `json:"dir"`
	Bundle string `json:"bundle,omitempty"`
	Error  string `json:"error,omitempty"`
}

// writeStatus replaces the status file atomically.
func writeStatus(path string, st Status) error {
	st.Updated = time.Now().UTC()
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("sidecar: status dir: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("sidecar: status: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("sidecar: status: %w", err)
	}
	return nil
}
