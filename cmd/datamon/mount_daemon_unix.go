//go:build !windows

package main

import "syscall"

// detached starts the child in a new session, away from the terminal.
func detached() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }
