//go:build unix && !linux

package localcluster

import "syscall"

// Pause and resume signals.
var sigStop, sigCont = syscall.SIGSTOP, syscall.SIGCONT

// ownProcessGroup puts a node in its own process group: a Ctrl-C on the
// terminal reaches the supervisor only, which then stops the nodes in order.
// Outside Linux there is no parent-death signal: a supervisor killed with
// SIGKILL leaves its nodes running (stop them by the PIDs it printed).
func ownProcessGroup() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
