//go:build linux

package e2e

import "syscall"

// dieWithTest makes the kernel kill a child process when the test binary
// dies (a timeout panic, SIGKILL), so no CLI, mount or node outlives a run.
func dieWithTest() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
