//go:build linux

package peer

import "syscall"

// procAttr: own process group, and the kernel kills the peer when the bench
// process dies (SIGKILL, a crash), so no server outlives its run.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
