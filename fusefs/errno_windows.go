//go:build windows

package fusefs

// osErrno: Windows errors are not POSIX errnos; callers fall back to EIO.
func osErrno(error) (int, bool) { return 0, false }
