//go:build !windows

package sidecar

import "syscall"

func processAlive(pid int) bool { return pid > 0 && syscall.Kill(pid, 0) == nil }

func killProcess(pid int) {
	if pid > 0 {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}
