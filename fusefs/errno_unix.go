//go:build (cgo && linux && fuse3) || (cgo && darwin)

package fusefs

import (
	"errors"
	"syscall"
)

// osErrno extracts a POSIX errno from an OS error.
func osErrno(err error) (int, bool) {
	var e syscall.Errno
	if errors.As(err, &e) {
		return int(e), true
	}
	return 0, false
}
