package history

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
	"time"
)

// Status of a completed operation.
type Status string

// Statuses. Info means indeterminate (timeout, reset after send, 5xx).
const (
	Ok      Status = "ok"
	Fail    Status = "fail"
	Info    Status = "info"
	Pending Status = "pending" // invoked, never completed (run ended)
)

// Op is one operation. Input and Output are workload-specific values (the
// checkers define their own types); they must be JSON-marshalable.
type Op struct {
	ID      int           `json:"id"`
	Process int           `json:"process"` // client id, zero-based
	Type    string        `json:"type"`    // e.g. "get", "set", "cas", "put", "read"
	Key     string        `json:"key,omitempty"`
	Input   any           `json:"input,omitempty"`
	Output  any           `json:"output,omitempty"`
	Call    time.Duration `json:"call"`   // since run start
	Return  time.Duration `json:"return"` // since run start; meaningless unless Status is Ok or Fail
	Status  Status        `json:"status"`
	Error   string        `json:"error,omitempty"`
}

// History is an append-only, thread-safe operation log.
type History struct {
	mu    sync.Mutex
	start time.Time
	ops   []Op
}

// New starts a history; offsets are measured from now on the monotonic clock.
func New() *History { return &History{start: time.Now()} }

// Now is the current offset.
func (h *History) Now() time.Duration { return time.Since(h.start) }

// Call records an invocation and returns its handle.
func (h *History) Call(process int, typ, key string, input any) *Handle {
	h.mu.Lock()
	defer h.mu.Unlock()
	id := len(h.ops)
	h.ops = append(h.ops, Op{ID: id, Process: process, Type: typ, Key: key, Input: input, Call: time.Since(h.start), Status: Pending})
	return &Handle{h: h, id: id}
}

// Append adds a complete operation (for hand-made histories in tests).
func (h *History) Append(op Op) {
	h.mu.Lock()
	defer h.mu.Unlock()
	op.ID = len(h.ops)
	h.ops = append(h.ops, op)
}

// Handle completes one invocation exactly once.
type Handle struct {
	h    *History
	id   int
	once sync.Once
}

func (c *Handle) finish(st Status, out any, err error) {
	c.once.Do(func() {
		c.h.mu.Lock()
		defer c.h.mu.Unlock()
		op := &c.h.ops[c.id]
		op.Status, op.Output, op.Return = st, out, time.Since(c.h.start)
		if err != nil {
			op.Error = err.Error()
		}
	})
}

// Ok completes the op successfully with output out.
func (c *Handle) Ok(out any) { c.finish(Ok, out, nil) }

// Fail completes the op as definitely not applied.
func (c *Handle) Fail(out any, err error) { c.finish(Fail, out, err) }

// Info completes the op as indeterminate.
func (c *Handle) Info(err error) { c.finish(Info, nil, err) }

// Ops returns a copy of all operations, ordered by call time.
func (h *History) Ops() []Op {
	h.mu.Lock()
	out := append([]Op(nil), h.ops...)
	h.mu.Unlock()
	sort.SliceStable(out, func(i, j int) bool { return out[i].Call < out[j].Call })
	return out
}

// Counts returns the number of ops per status.
func (h *History) Counts() map[Status]int {
	m := map[Status]int{}
	for _, op := range h.Ops() {
		m[op.Status]++
	}
	return m
}

// WriteJSONLines writes one JSON object per op.
func (h *History) WriteJSONLines(w io.Writer) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for _, op := range h.Ops() {
		if err := enc.Encode(op); err != nil {
			return fmt.Errorf("history: encode op %d: %w", op.ID, err)
		}
	}
	return bw.Flush()
}

// Dump writes the history to path as JSON lines.
func (h *History) Dump(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	if err := h.WriteJSONLines(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ReadJSONLines reads ops written by WriteJSONLines (Input/Output come back
// as generic JSON values).
func ReadJSONLines(r io.Reader) ([]Op, error) {
	var ops []Op
	dec := json.NewDecoder(r)
	for dec.More() {
		var op Op
		if err := dec.Decode(&op); err != nil {
			return ops, fmt.Errorf("history: decode: %w", err)
		}
		ops = append(ops, op)
	}
	return ops, nil
}
