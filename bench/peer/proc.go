package peer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Sentinel errors.
var (
	ErrNotInstalled = errors.New("peer: not installed")
	ErrNotReady     = errors.New("peer: not ready")
)

// Find returns the path of binary, installing Debian package pkg with
// apt-get when it is missing and install is true and we are root.
func Find(ctx context.Context, log *slog.Logger, binary, pkg string, install bool) (string, error) {
	if p, err := exec.LookPath(binary); err == nil {
		return p, nil
	}
	if !install || os.Geteuid() != 0 || pkg == "" {
		return "", fmt.Errorf("%w: %s (Debian package %s)", ErrNotInstalled, binary, pkg)
	}
	log.Info("installing peer", "package", pkg)
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "apt-get", "install", "-y", "-qq", "--no-install-recommends", pkg)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%w: apt-get install %s: %w: %s", ErrNotInstalled, pkg, err, lastLine(out))
	}
	p, err := exec.LookPath(binary)
	if err != nil {
		return "", fmt.Errorf("%w: %s after installing %s", ErrNotInstalled, binary, pkg)
	}
	return p, nil
}

func lastLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// Process is a started peer server.
type Process struct {
	Name string
	cmd  *exec.Cmd
	done chan struct{}
	log  *os.File
}

// Start runs bin with args in its own process group, output to logPath.
func Start(name, bin string, args, env []string, logPath string) (*Process, error) {
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("peer: %s: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, fmt.Errorf("peer: start %s: %w", name, err)
	}
	p := &Process{Name: name, cmd: cmd, done: make(chan struct{}), log: lf}
	go func() { _ = cmd.Wait(); close(p.done) }()
	return p, nil
}

// PID is the process ID.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stop sends SIGTERM to the process (and its group, by PID), then SIGKILL
// after timeout, and waits for it.
func (p *Process) Stop(timeout time.Duration) error {
	defer p.log.Close()
	if p.Exited() {
		return nil
	}
	pid := p.PID()
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(timeout):
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	select {
	case <-p.done:
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("peer: %s (pid %d) survived SIGKILL", p.Name, pid)
	}
}

// FreePorts returns n distinct free TCP ports on 127.0.0.1.
func FreePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var out []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("peer: free port: %w", err)
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

// WaitHTTP polls url until it answers 200 or ctx/timeout ends; it gives up
// early when p exits.
func WaitHTTP(ctx context.Context, p *Process, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		if p.Exited() {
			return fmt.Errorf("%w: %s exited (see its log)", ErrNotReady, p.Name)
		}
		if last = get200(ctx, url); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %s: %w", ErrNotReady, p.Name, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
