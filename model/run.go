package model

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// RunStatus is the state of a pipeline run.
type RunStatus string

// Run states. A run is created running and ends in one of the other three;
// a finished run never changes again except for its tags and notes.
const (
	RunRunning   RunStatus = "running"
	RunSucceeded RunStatus = "succeeded"
	RunFailed    RunStatus = "failed"
	RunCanceled  RunStatus = "canceled"
)

// Finished reports whether s is a final state.
func (s RunStatus) Finished() bool {
	return s == RunSucceeded || s == RunFailed || s == RunCanceled
}

// ParseRunStatus checks a status name.
func ParseRunStatus(s string) (RunStatus, error) {
	switch st := RunStatus(s); st {
	case RunRunning, RunSucceeded, RunFailed, RunCanceled:
		return st, nil
	}
	return "", fmt.Errorf("%w: run status %q (running, succeeded, failed or canceled)", ErrInvalid, s)
}

// Limits of a run record, checked by ValidateRunStart and the FSM.
const (
	RunMaxParams     = 256
	RunMaxKey        = 256  // a parameter, metric or tag key, in bytes
	RunMaxValue      = 4096 // a parameter or tag value, in bytes
	RunMaxText       = 1024 // name, pipeline, step, code and env fields, reason
	RunMaxNotes      = 16 << 10
	RunMaxInputs     = 1024
	RunMaxOutputs    = 1024
	RunMaxMetricKeys = 256
	RunMaxPoints     = 100_000 // metric points per run (the history)
	RunMaxTags       = 64
	RunMaxLease      = 24 * time.Hour
)

// CodeRef is the code a run ran: a git commit of a repository.
type CodeRef struct {
	Repo   string `json:"repo,omitempty"`   // repository URL
	Commit string `json:"commit,omitempty"` // full or abbreviated commit hash
	Dirty  bool   `json:"dirty,omitempty"`  // the work tree had uncommitted changes
}

// IsZero reports an empty code reference.
func (c CodeRef) IsZero() bool { return c == CodeRef{} }

// RunEnv is where a run ran.
type RunEnv struct {
	Image string `json:"image,omitempty"`
	Host  string `json:"host,omitempty"`
}

// RunInput is a bundle a run read. Label is the label it was resolved
// from (empty when the input named the bundle ID), Path an optional filter
// (the part of the bundle read).
type RunInput struct {
	Context string    `json:"context"`
	Repo    string    `json:"repo"`
	Bundle  string    `json:"bundle"`
	Label   string    `json:"label,omitempty"`
	Path    string    `json:"path,omitempty"`
	At      time.Time `json:"at"`
}

// RunOutput is a bundle a run wrote.
type RunOutput struct {
	Context string    `json:"context"`
	Repo    string    `json:"repo"`
	Bundle  string    `json:"bundle"`
	Label   string    `json:"label,omitempty"`
	At      time.Time `json:"at"`
}

// MetricPoint is one logged value of a metric.
type MetricPoint struct {
	Key   string    `json:"key"`
	Value float64   `json:"value"`
	Step  int64     `json:"step,omitempty"`
	Time  time.Time `json:"time"` // leader's clock
}

// Run is the metadata of one pipeline run (or step of one). ID, Owner,
// Started, Ended and every time in it are set by the cluster: the ID sorts
// like bundle IDs (in start order), times are the Raft leader's clock.
type Run struct {
	ID       string            `json:"id"`
	Context  string            `json:"context"`
	Name     string            `json:"name"`
	Pipeline string            `json:"pipeline,omitempty"`
	Step     string            `json:"step,omitempty"`
	Owner    string            `json:"owner"` // the authenticated user (or key ID)
	Status   RunStatus         `json:"status"`
	Reason   string            `json:"reason,omitempty"` // why it failed or was canceled
	Started  time.Time         `json:"started"`
	Ended    time.Time         `json:"ended,omitzero"`
	Params   map[string]string `json:"params,omitempty"`
	Code     CodeRef           `json:"code,omitzero"`
	Env      RunEnv            `json:"env,omitzero"`
	// Metrics holds the last value of each metric; the history is read
	// separately (a run can log many points).
	Metrics map[string]float64 `json:"metrics,omitempty"`
	Points  int                `json:"points,omitempty"` // metric points logged
	Inputs  []RunInput         `json:"inputs,omitempty"`
	Outputs []RunOutput        `json:"outputs,omitempty"`
	Tags    map[string]string  `json:"tags,omitempty"`
	Notes   string             `json:"notes,omitempty"`
	// Lease, when set, is how long the run stays running without a
	// heartbeat; LeaseUntil is when it expires (then the leader marks the
	// run failed). Zero: no lease (finished explicitly).
	Lease      time.Duration `json:"lease,omitempty"`
	LeaseUntil time.Time     `json:"lease_until,omitzero"`
	// External is the run's ID in another system (an OpenLineage runId).
	External string `json:"external,omitempty"`
}

// InputRef names an input before it is resolved: a repo (in Context, or
// the run's context when empty) and a label or a bundle ID, with an
// optional path filter.
type InputRef struct {
	Context string `json:"context,omitempty"`
	Repo    string `json:"repo"`
	Ref     string `json:"ref"` // label or bundle ID
	Path    string `json:"path,omitempty"`
	// Label, with Ref a bundle ID, is the label the reader resolved Ref
	// from itself (a download by label): recorded as given.
	Label string `json:"label,omitempty"`
}

// String renders r in the CLI's syntax: [context/]repo@ref[:path].
func (r InputRef) String() string {
	s := r.Repo + "@" + r.Ref
	if r.Context != "" {
		s = r.Context + "/" + s
	}
	if r.Path != "" {
		s += ":" + r.Path
	}
	return s
}

// RunStart asks to start a run. The cluster resolves and pins the inputs
// (each label to the bundle it points at) in the same Raft command.
type RunStart struct {
	Context  string            `json:"context"`
	Name     string            `json:"name"`
	Pipeline string            `json:"pipeline,omitempty"`
	Step     string            `json:"step,omitempty"`
	Owner    string            `json:"owner,omitempty"` // set by the server
	Params   map[string]string `json:"params,omitempty"`
	Code     CodeRef           `json:"code,omitzero"`
	Env      RunEnv            `json:"env,omitzero"`
	Inputs   []InputRef        `json:"inputs,omitempty"`
	Tags     map[string]string `json:"tags,omitempty"`
	Lease    time.Duration     `json:"lease,omitempty"`
	External string            `json:"external,omitempty"`
}

// RunFilter selects runs of a context for a listing.
type RunFilter struct {
	Context string    `json:"context"`
	Status  RunStatus `json:"status,omitempty"`
	Name    string    `json:"name,omitempty"`
	Since   time.Time `json:"since,omitzero"`  // started at or after
	After   string    `json:"after,omitempty"` // run IDs above this (paging)
	Limit   int       `json:"limit,omitempty"`
}

// RunUpdate changes what a finished run still allows: tags (a value of ""
// removes the tag) and notes (nil: unchanged).
type RunUpdate struct {
	Tags  map[string]string `json:"tags,omitempty"`
	Notes *string           `json:"notes,omitempty"`
}

func checkText(what, s string, limit int) error {
	if len(s) > limit {
		return fmt.Errorf("%w: %s is %d bytes, limit %d", ErrInvalid, what, len(s), limit)
	}
	if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("%w: %s is not clean UTF-8 (or contains NUL)", ErrInvalid, what)
	}
	return nil
}

// ValidateRunKey checks a parameter, metric or tag key: 1 to RunMaxKey
// bytes of UTF-8 without NUL, '=' or control characters.
func ValidateRunKey(what, k string) error {
	if k == "" {
		return fmt.Errorf("%w: empty %s key", ErrInvalid, what)
	}
	if err := checkText(what+" key", k, RunMaxKey); err != nil {
		return err
	}
	for _, r := range k {
		if r == '=' || r < 0x20 || r == 0x7f {
			return fmt.Errorf("%w: %s key %q contains '=' or a control character", ErrInvalid, what, k)
		}
	}
	return nil
}

func validateKV(what string, m map[string]string, maxKeys int) error {
	if len(m) > maxKeys {
		return fmt.Errorf("%w: %d %ss, limit %d", ErrInvalid, len(m), what, maxKeys)
	}
	for k, v := range m {
		if err := ValidateRunKey(what, k); err != nil {
			return err
		}
		if err := checkText(what+" "+k, v, RunMaxValue); err != nil {
			return err
		}
	}
	return nil
}

// ValidateInputRef checks an input reference's names and path.
func ValidateInputRef(r InputRef) error {
	if r.Context != "" {
		if err := ValidateContextName(r.Context); err != nil {
			return err
		}
	}
	if err := ValidateRepoName(r.Repo); err != nil {
		return err
	}
	if r.Ref == "" {
		return fmt.Errorf("%w: input %s has no label or bundle", ErrInvalid, r.Repo)
	}
	if err := ValidateLabelName(r.Ref); err != nil {
		return fmt.Errorf("input %s: %w", r.Repo, err)
	}
	if r.Label != "" {
		if err := ValidateLabelName(r.Label); err != nil {
			return fmt.Errorf("input %s: %w", r.Repo, err)
		}
	}
	return checkText("input path", r.Path, RunMaxText)
}

// ValidateRunStart checks a start request's fields and limits.
func ValidateRunStart(s RunStart) error {
	if err := ValidateContextName(s.Context); err != nil {
		return err
	}
	if s.Name == "" {
		return fmt.Errorf("%w: a run needs a name", ErrInvalid)
	}
	for what, v := range map[string]string{"name": s.Name, "pipeline": s.Pipeline, "step": s.Step,
		"owner": s.Owner, "code repo": s.Code.Repo, "code commit": s.Code.Commit,
		"image": s.Env.Image, "host": s.Env.Host, "external ID": s.External} {
		if err := checkText(what, v, RunMaxText); err != nil {
			return err
		}
	}
	if err := validateKV("param", s.Params, RunMaxParams); err != nil {
		return err
	}
	if err := validateKV("tag", s.Tags, RunMaxTags); err != nil {
		return err
	}
	if len(s.Inputs) > RunMaxInputs {
		return fmt.Errorf("%w: %d inputs, limit %d", ErrInvalid, len(s.Inputs), RunMaxInputs)
	}
	for _, in := range s.Inputs {
		if err := ValidateInputRef(in); err != nil {
			return err
		}
	}
	if s.Lease < 0 || s.Lease > RunMaxLease {
		return fmt.Errorf("%w: lease %v (0 to %v)", ErrInvalid, s.Lease, RunMaxLease)
	}
	return nil
}

// ValidateMetric checks a metric point: a valid key and a finite number.
func ValidateMetric(p MetricPoint) error {
	if err := ValidateRunKey("metric", p.Key); err != nil {
		return err
	}
	if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
		return fmt.Errorf("%w: metric %s: %v is not a finite number", ErrInvalid, p.Key, p.Value)
	}
	return nil
}

// ValidateRunUpdate checks tags and notes of an update.
func ValidateRunUpdate(u RunUpdate) error {
	for k, v := range u.Tags {
		if err := ValidateRunKey("tag", k); err != nil {
			return err
		}
		if err := checkText("tag "+k, v, RunMaxValue); err != nil {
			return err
		}
	}
	if len(u.Tags) > RunMaxTags {
		return fmt.Errorf("%w: %d tags, limit %d", ErrInvalid, len(u.Tags), RunMaxTags)
	}
	if u.Notes != nil {
		return checkText("notes", *u.Notes, RunMaxNotes)
	}
	return nil
}

// ValidateReason checks a finish reason.
func ValidateReason(s string) error { return checkText("reason", s, RunMaxText) }

// RunActor is who changes a run: its owner, or (Admin) someone allowed to
// change anyone's run in the run's context.
type RunActor struct {
	Name  string `json:"name"`
	Admin bool   `json:"admin,omitempty"`
}
