//go:build !windows

package fusefs

import "syscall"

var errNotDir error = syscall.ENOTDIR
