package nemesis

import (
	"context"
	"fmt"
	"log/slog"
	"syscall"
	"time"
)

// StartOptions are passed to Process.Start. A nil ClockOffset keeps the
// offset the process last ran with.
type StartOptions struct {
	ClockOffset *time.Duration
}

// Process is a handle on one node process (implemented by the cluster).
type Process interface {
	ID() string
	PID() int // 0 when not running
	Signal(sig syscall.Signal) error
	Kill(ctx context.Context) error // SIGKILL and wait until it has exited
	Start(ctx context.Context, opts StartOptions) error
}

// ProcessConfig configures the kill, pause and clock nemeses.
type ProcessConfig struct {
	Name   string // journal name (default "kill", "pause" or "clock")
	Procs  []Process
	Pick   Picker // default PickRandom(all, 1)
	Seed   uint64
	Logger *slog.Logger
	// Clock nemesis: offsets are drawn uniformly from [MinOffset, MaxOffset]
	// with a random sign (defaults 5s and 2m).
	MinOffset, MaxOffset time.Duration
}

func (c *ProcessConfig) defaults() {
	if c.Pick == nil {
		ids := make([]string, len(c.Procs))
		for i, p := range c.Procs {
			ids[i] = p.ID()
		}
		c.Pick = PickRandom(ids, 1)
	}
	if c.MinOffset == 0 {
		c.MinOffset = 5 * time.Second
	}
	if c.MaxOffset == 0 {
		c.MaxOffset = 2 * time.Minute
	}
}

type procKind int

const (
	kindKill procKind = iota
	kindPause
	kindClock
)

// procNemesis implements kill, pause and clock on top of Process.
type procNemesis struct {
	journal
	cfg    ProcessConfig
	kind   procKind
	active []Process
}

// NewKill returns a nemesis that SIGKILLs the picked nodes on Invoke and
// restarts them on Heal.
func NewKill(cfg ProcessConfig) Nemesis { return newProc("kill", kindKill, cfg) }

// NewPause returns a nemesis that SIGSTOPs the picked nodes on Invoke and
// SIGCONTs them on Heal (pick a schedule longer than the election timeout).
func NewPause(cfg ProcessConfig) Nemesis { return newProc("pause", kindPause, cfg) }

// NewClock returns a nemesis that restarts the picked nodes with a random
// --test-clock-offset on Invoke and restarts them with offset 0 on Heal.
func NewClock(cfg ProcessConfig) Nemesis { return newProc("clock", kindClock, cfg) }

func newProc(name string, k procKind, cfg ProcessConfig) *procNemesis {
	cfg.defaults()
	if cfg.Name != "" {
		name = cfg.Name
	}
	return &procNemesis{journal: newJournal(name, cfg.Seed, cfg.Logger), cfg: cfg, kind: k}
}

func (n *procNemesis) byID(id string) (Process, error) {
	for _, p := range n.cfg.Procs {
		if p.ID() == id {
			return p, nil
		}
	}
	return nil, fmt.Errorf("nemesis %s: unknown node %q", n.name, id)
}

func (n *procNemesis) Invoke(ctx context.Context) error {
	ids, err := n.cfg.Pick(ctx, n.rng)
	if err != nil {
		n.record("invoke", nil, "pick", err)
		return err
	}
	for _, id := range ids {
		p, err := n.byID(id)
		if err != nil {
			return err
		}
		detail := ""
		switch n.kind {
		case kindKill:
			detail = fmt.Sprintf("SIGKILL pid %d", p.PID())
			err = p.Kill(ctx)
		case kindPause:
			detail = fmt.Sprintf("SIGSTOP pid %d", p.PID())
			err = p.Signal(syscall.SIGSTOP)
		case kindClock:
			off := n.cfg.MinOffset + time.Duration(n.rng.Int64N(int64(n.cfg.MaxOffset-n.cfg.MinOffset)+1))
			if n.rng.IntN(2) == 0 {
				off = -off
			}
			detail = fmt.Sprintf("restart with clock offset %v", off)
			if err = p.Kill(ctx); err == nil {
				err = p.Start(ctx, StartOptions{ClockOffset: &off})
			}
		}
		n.record("invoke", []string{id}, detail, err)
		if err != nil {
			return fmt.Errorf("nemesis %s: %s: %w", n.name, id, err)
		}
		n.active = append(n.active, p)
	}
	return nil
}

func (n *procNemesis) Heal(ctx context.Context) error {
	var firstErr error
	for _, p := range n.active {
		var err error
		detail := ""
		switch n.kind {
		case kindKill:
			detail = "restart"
			err = p.Start(ctx, StartOptions{})
		case kindPause:
			detail = fmt.Sprintf("SIGCONT pid %d", p.PID())
			err = p.Signal(syscall.SIGCONT)
		case kindClock:
			zero := time.Duration(0)
			detail = "restart with clock offset 0"
			if err = p.Kill(ctx); err == nil {
				err = p.Start(ctx, StartOptions{ClockOffset: &zero})
			}
		}
		n.record("heal", []string{p.ID()}, detail, err)
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("nemesis %s: heal %s: %w", n.name, p.ID(), err)
		}
	}
	n.active = nil
	return firstErr
}
