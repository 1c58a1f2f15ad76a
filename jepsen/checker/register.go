package checker

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/datamon-io/datamon/jepsen/history"
)

// Register operation types (history.Op.Type).
const (
	RegGet    = "get"
	RegSet    = "set"
	RegCAS    = "cas"    // set if the current value equals Expect (label --if-match)
	RegCreate = "create" // set if the label does not exist (if-not-exists)
	RegDelete = "delete"
)

// RegisterInput is the Input of a register op; Op.Key is the label key.
type RegisterInput struct {
	Value  string `json:"value,omitempty"`  // set / cas / create
	Expect string `json:"expect,omitempty"` // cas
}

// RegisterOutput is the Output of an ok register op.
type RegisterOutput struct {
	Found   bool   `json:"found"`   // get: the label exists
	Value   string `json:"value"`   // get: its value
	Applied bool   `json:"applied"` // cas / create: the precondition held and the write happened
}

type regState struct {
	Exists bool
	Value  string
}

type regIn struct {
	Key, Type string
	In        RegisterInput
}

// regOut is nil for indeterminate ops (output unknown).
type regOut = *RegisterOutput

// RegisterModel is the porcupine model: one register per key.
func RegisterModel() porcupine.Model {
	return porcupine.Model{
		Partition: func(h []porcupine.Operation) [][]porcupine.Operation {
			by := map[string][]porcupine.Operation{}
			var keys []string
			for _, op := range h {
				k := op.Input.(regIn).Key
				if _, ok := by[k]; !ok {
					keys = append(keys, k)
				}
				by[k] = append(by[k], op)
			}
			out := make([][]porcupine.Operation, 0, len(keys))
			for _, k := range keys {
				out = append(out, by[k])
			}
			return out
		},
		Init: func() any { return regState{} },
		Step: func(state, input, output any) (bool, any) {
			s, in, out := state.(regState), input.(regIn), output.(regOut)
			switch in.Type {
			case RegGet:
				if out == nil {
					return true, s
				}
				return out.Found == s.Exists && (!s.Exists || out.Value == s.Value), s
			case RegSet:
				return true, regState{true, in.In.Value}
			case RegDelete:
				return true, regState{}
			case RegCAS, RegCreate:
				holds := s.Exists && s.Value == in.In.Expect
				if in.Type == RegCreate {
					holds = !s.Exists
				}
				if out != nil && out.Applied != holds {
					return false, s
				}
				if holds {
					return true, regState{true, in.In.Value}
				}
				return true, s
			}
			return false, s
		},
		Equal: func(a, b any) bool { return a.(regState) == b.(regState) },
		DescribeOperation: func(input, output any) string {
			in, out := input.(regIn), output.(regOut)
			res := "?"
			if out != nil {
				res = fmt.Sprintf("found=%v value=%q applied=%v", out.Found, out.Value, out.Applied)
			}
			switch in.Type {
			case RegGet:
				return fmt.Sprintf("get(%s) → %s", in.Key, res)
			case RegCAS:
				return fmt.Sprintf("cas(%s, %q→%q) → %s", in.Key, in.In.Expect, in.In.Value, res)
			default:
				return fmt.Sprintf("%s(%s, %q) → %s", in.Type, in.Key, in.In.Value, res)
			}
		},
		DescribeState: func(s any) string {
			st := s.(regState)
			if !st.Exists {
				return "∅"
			}
			return st.Value
		},
	}
}

// RegisterConfig configures CheckRegister.
type RegisterConfig struct {
	Timeout    time.Duration // porcupine budget (default 60s); Unknown is a failure
	ResultsDir string        // where the HTML visualization goes on failure ("" = none)
	Name       string        // file name stem (default "register")
}

// ToPorcupine converts register ops: definite failures are dropped (never
// applied), indeterminate and pending ops get an open-ended return time and
// an unknown output, and indeterminate reads are dropped (no effect).
func ToPorcupine(ops []history.Op) ([]porcupine.Operation, error) {
	var out []porcupine.Operation
	for _, op := range ops {
		in, ok := op.Input.(RegisterInput)
		if !ok && op.Input != nil {
			return nil, fmt.Errorf("checker: op %d input %T is not RegisterInput", op.ID, op.Input)
		}
		p := porcupine.Operation{ClientId: op.Process, Input: regIn{Key: op.Key, Type: op.Type, In: in}, Call: int64(op.Call)}
		switch op.Status {
		case history.Fail:
			continue
		case history.Ok:
			o, ok := op.Output.(RegisterOutput)
			if !ok {
				return nil, fmt.Errorf("checker: op %d output %T is not RegisterOutput", op.ID, op.Output)
			}
			p.Output, p.Return = regOut(&o), int64(op.Return)
		default:
			if op.Type == RegGet {
				continue
			}
			p.Output, p.Return = regOut(nil), math.MaxInt64
		}
		out = append(out, p)
	}
	return out, nil
}

// CheckRegister checks a register history for linearizability.
func CheckRegister(ops []history.Op, cfg RegisterConfig) Result {
	if cfg.Timeout == 0 {
		cfg.Timeout = time.Minute
	}
	if cfg.Name == "" {
		cfg.Name = "register"
	}
	r := Result{Checker: cfg.Name, Valid: true}
	pops, err := ToPorcupine(ops)
	if err != nil {
		r.add(Anomaly{Kind: "malformed", Detail: err.Error()})
		return r
	}
	r.stat("ops", len(pops))
	model := RegisterModel()
	res, info := porcupine.CheckOperationsVerbose(model, pops, cfg.Timeout)
	switch res {
	case porcupine.Ok:
		return r
	case porcupine.Unknown:
		r.add(Anomaly{Kind: "unknown", Detail: fmt.Sprintf("porcupine timed out after %v: linearizability undecided (counts as failure)", cfg.Timeout)})
	default:
		r.add(Anomaly{Kind: "nonlinearizable", Detail: "no linearization exists; see the visualization"})
	}
	if cfg.ResultsDir != "" {
		if err := os.MkdirAll(cfg.ResultsDir, 0o755); err == nil {
			p := filepath.Join(cfg.ResultsDir, cfg.Name+".html")
			if err := porcupine.VisualizePath(model, info, p); err == nil {
				r.Artifacts = append(r.Artifacts, p)
			}
		}
	}
	return r
}
