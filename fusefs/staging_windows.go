//go:build windows

package fusefs

import "syscall"

var errNotDir error = syscall.ERROR_PATH_NOT_FOUND
