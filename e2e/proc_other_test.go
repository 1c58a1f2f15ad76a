//go:build !linux

package e2e

import "syscall"

// dieWithTest: only Linux has a parent-death signal.
func dieWithTest() *syscall.SysProcAttr { return nil }
