//go:build linux

package localcluster

import "syscall"

// Pause and resume signals.
var sigStop, sigCont = syscall.SIGSTOP, syscall.SIGCONT

// ownProcessGroup puts a node in its own process group: a Ctrl-C on the
// terminal reaches the supervisor only, which then stops the nodes in order.
//
// Pdeathsig: the kernel kills the node when the process that started it dies,
// however it dies (SIGKILL, a test binary's timeout panic, a crash), so no
// node outlives its supervisor or its test. Nodes are crash-safe, so SIGKILL
// loses nothing that was acknowledged; a restart on the same directory brings
// the cluster back.
func ownProcessGroup() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
