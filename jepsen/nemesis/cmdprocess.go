package nemesis

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// CmdProcess is a Process backed by exec.Cmd. Build returns a fresh, not yet
// started command for the given clock offset (e.g. netns.Command(...) with
// --test-clock-offset appended). It is what runner.ProcessCluster uses.
type CmdProcess struct {
	id     string
	build  func(ctx context.Context, offset time.Duration) *exec.Cmd
	mu     sync.Mutex
	cmd    *exec.Cmd
	done   chan struct{}
	offset time.Duration
	exits  int
	// killed is the incarnation Kill was asked to stop; onCrash runs (in
	// its own goroutine) when an incarnation exits without Kill.
	killed  *exec.Cmd
	onCrash func(err error)
	gen     uint64 // counts Start and Kill calls
}

// SetOnCrash sets f to run when the process exits on its own (not through
// Kill), with cmd.Wait's error.
func (p *CmdProcess) SetOnCrash(f func(err error)) {
	p.mu.Lock()
	p.onCrash = f
	p.mu.Unlock()
}

// Gen counts Start and Kill calls: a supervisor restarting a crashed
// process checks it is unchanged (nobody stopped or started it meanwhile).
func (p *CmdProcess) Gen() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.gen
}

// NewCmdProcess returns a stopped process handle.
func NewCmdProcess(id string, build func(ctx context.Context, offset time.Duration) *exec.Cmd) *CmdProcess {
	return &CmdProcess{id: id, build: build}
}

func (p *CmdProcess) ID() string { return p.id }

// PID is the running child's PID, 0 when stopped.
func (p *CmdProcess) PID() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Exits counts how often the process exited (killed or crashed).
func (p *CmdProcess) Exits() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.exits
}

// Start launches the process. The command is not bound to ctx: it lives until
// Kill, so a short ctx (one nemesis step) never kills it.
func (p *CmdProcess) Start(_ context.Context, opts StartOptions) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return fmt.Errorf("nemesis: %s already running (pid %d)", p.id, p.cmd.Process.Pid)
	}
	if opts.ClockOffset != nil {
		p.offset = *opts.ClockOffset
	}
	cmd := p.build(context.Background(), p.offset)
	if cmd.SysProcAttr == nil {
		// The kernel kills the node when the test binary dies (timeout
		// panic, SIGKILL): no node outlives its run.
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("nemesis: start %s: %w", p.id, err)
	}
	done := make(chan struct{})
	p.cmd, p.done = cmd, done
	p.gen++
	go func() {
		werr := cmd.Wait()
		p.mu.Lock()
		if p.cmd == cmd {
			p.cmd = nil
		}
		p.exits++
		crashed := p.killed != cmd
		f := p.onCrash
		p.mu.Unlock()
		close(done)
		if crashed && f != nil {
			go f(werr)
		}
	}()
	return nil
}

// Signal sends sig to the running process.
func (p *CmdProcess) Signal(sig syscall.Signal) error {
	pid := p.PID()
	if pid == 0 {
		return fmt.Errorf("nemesis: %s not running", p.id)
	}
	return syscall.Kill(pid, sig)
}

// Kill SIGKILLs the process (SIGCONT first, in case it is paused) and waits.
func (p *CmdProcess) Kill(ctx context.Context) error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.killed = cmd
	p.gen++
	p.mu.Unlock()
	if cmd == nil {
		return nil
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Process.Signal(syscall.SIGCONT)
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return errors.Join(fmt.Errorf("nemesis: %s did not exit", p.id), ctx.Err())
	}
}

// Done is closed when the current incarnation exits (nil when stopped).
func (p *CmdProcess) Done() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.done
}
