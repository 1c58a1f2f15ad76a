package netns

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// run executes a command in the root namespace and returns a wrapped error
// carrying its stderr.
func run(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("netns: %s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// Command returns a command that runs name inside namespace ns (root
// namespace when ns is ""). It uses `ip netns exec`, which execs the target
// directly, so cmd.Process.Pid is the PID of the real child.
func Command(ctx context.Context, ns, name string, args ...string) *exec.Cmd {
	if ns == "" {
		return exec.CommandContext(ctx, name, args...)
	}
	full := append([]string{"netns", "exec", ns, name}, args...)
	return exec.CommandContext(ctx, "ip", full...)
}

// Run runs name inside ns and returns its stdout.
func Run(ctx context.Context, ns, name string, args ...string) (string, error) {
	if ns == "" {
		return run(ctx, name, args...)
	}
	return run(ctx, "ip", append([]string{"netns", "exec", ns, name}, args...)...)
}
