//go:build !linux

package peer

import "syscall"

// procAttr: own process group (no parent-death signal outside Linux).
func procAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
