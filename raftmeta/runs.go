package raftmeta

import (
	"fmt"

	"github.com/datamon-io/datamon/model"
)

// Pipeline runs (issue 19). A run lives under "R" "r" id; indexes:
//
//	"R" "c" context id          -> empty  (runs of a context, start order)
//	"R" "a" id                  -> empty  (running runs: lease expiry scans these only)
//	"R" "i" ctx repo bundle id  -> empty  (runs that read a bundle: downstream lineage)
//	"R" "m" id seq              -> MetricPoint (metric history, log order)
//	"R" "x" external            -> id     (OpenLineage runId -> run)
//
// The producing run of a bundle is the bundle's own Run field (set by the
// commit that attached it), so upstream lineage needs no index.

// Run operations. Values are part of the log format: never renumber.
const (
	opRunStart     = "run_start"     // Run.Start
	opRunMetrics   = "run_metrics"   // Run.ID, Run.Actor, Run.Points
	opRunInputs    = "run_inputs"    // Run.ID, Run.Actor, Run.Inputs
	opRunHeartbeat = "run_heartbeat" // Run.ID, Run.Actor
	opRunFinish    = "run_finish"    // Run.ID, Run.Actor, Run.Status, Run.Reason
	opRunUpdate    = "run_update"    // Run.ID, Run.Actor, Run.Update (tags, notes: allowed when finished)
	opRunExpire    = "run_expire"    // no payload: fail running runs whose lease ended before the command's time
)

// Per-command limits.
const (
	MaxRunPointsPerCmd = 1000
	MaxRunExpirePerCmd = 1000
)

func init() {
	for _, op := range []string{opRunStart, opRunMetrics, opRunInputs, opRunHeartbeat, opRunFinish, opRunUpdate, opRunExpire} {
		knownOps[op] = true
	}
}

func runKey(id string) []byte                 { return join("R", "r", id) }
func runCtxKey(ctx, id string) []byte         { return join("R", "c", ctx, id) }
func runCtxPrefix(ctx string) []byte          { return join("R", "c", ctx, "") }
func runActiveKey(id string) []byte           { return join("R", "a", id) }
func runActivePrefix() []byte                 { return join("R", "a", "") }
func runPointKey(id string, n uint64) []byte  { return join("R", "m", id, u64(n)) }
func runPointsPrefix(id string) []byte        { return join("R", "m", id, "") }
func runExternalKey(ext string) []byte        { return join("R", "x", ext) }
func runReadsPrefix(c, repo, b string) []byte { return join("R", "i", c, repo, b, "") }
func runReadsKey(c, repo, b, id string) []byte {
	return join("R", "i", c, repo, b, id)
}

// runCmd is the payload of the run ops. Actor is the authenticated
// identity making the change; Force lets an admin of the run's context act
// on someone else's run (the API checked the grant).
type runCmd struct {
	Start  *model.RunStart     `json:"start,omitempty"`
	ID     string              `json:"id,omitempty"`
	Actor  string              `json:"actor,omitempty"`
	Force  bool                `json:"force,omitempty"`
	Points []model.MetricPoint `json:"points,omitempty"`
	Inputs []model.InputRef    `json:"inputs,omitempty"`
	Status model.RunStatus     `json:"status,omitempty"`
	Reason string              `json:"reason,omitempty"`
	Update *model.RunUpdate    `json:"update,omitempty"`
}

func isRunOp(op string) bool {
	switch op {
	case opRunStart, opRunMetrics, opRunInputs, opRunHeartbeat, opRunFinish, opRunUpdate, opRunExpire:
		return true
	}
	return false
}

// validate checks the payload of op (on submit and again on apply).
func (c *runCmd) validate(op string) error {
	if op == opRunExpire {
		return nil
	}
	if c == nil {
		return fmt.Errorf("%w: %s without payload", ErrBadCommand, op)
	}
	if op == opRunStart {
		if c.Start == nil {
			return fmt.Errorf("%w: %s without start", ErrBadCommand, op)
		}
		return model.ValidateRunStart(*c.Start)
	}
	if err := ValidateRunID(c.ID); err != nil {
		return err
	}
	if c.Actor == "" && !c.Force {
		return fmt.Errorf("%w: %s without an actor", model.ErrInvalid, op)
	}
	switch op {
	case opRunMetrics:
		if len(c.Points) == 0 || len(c.Points) > MaxRunPointsPerCmd {
			return fmt.Errorf("%w: %d metric points (1 to %d)", model.ErrInvalid, len(c.Points), MaxRunPointsPerCmd)
		}
		for _, p := range c.Points {
			if err := model.ValidateMetric(p); err != nil {
				return err
			}
		}
	case opRunInputs:
		if len(c.Inputs) == 0 || len(c.Inputs) > model.RunMaxInputs {
			return fmt.Errorf("%w: %d inputs (1 to %d)", model.ErrInvalid, len(c.Inputs), model.RunMaxInputs)
		}
		for _, in := range c.Inputs {
			if err := model.ValidateInputRef(in); err != nil {
				return err
			}
		}
	case opRunFinish:
		if !c.Status.Finished() {
			return fmt.Errorf("%w: finish with status %q (succeeded, failed or canceled)", model.ErrInvalid, c.Status)
		}
		return model.ValidateReason(c.Reason)
	case opRunUpdate:
		if c.Update == nil {
			return fmt.Errorf("%w: %s without update", ErrBadCommand, op)
		}
		return model.ValidateRunUpdate(*c.Update)
	}
	return nil
}

// ValidRunID reports whether s has the form of a run (or bundle) ID: 27
// base62 characters.
func ValidRunID(s string) bool {
	if len(s) != bundleIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}

// ValidateRunID is ValidRunID as an error. A malformed ID names no run:
// model.ErrNotFound (the CLI's exit 2), with the reason.
func ValidateRunID(s string) error {
	if !ValidRunID(s) {
		return fmt.Errorf("%w: run %q (run IDs are 27 base62 characters)", model.ErrNotFound, s)
	}
	return nil
}
