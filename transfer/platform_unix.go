//go:build unix

package transfer

import (
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// oNoFollow makes opening a symlink fail instead of following it.
const oNoFollow = syscall.O_NOFOLLOW

// lchtimes sets the mtime (and atime) of rel itself, not of what a symlink
// there points to; the parent directory is opened through the root.
func (d *destDir) lchtimes(native string, t time.Time) error {
	dir, err := d.root.Open(filepath.Dir(native))
	if err != nil {
		return err
	}
	defer dir.Close()
	ts := unix.NsecToTimespec(t.UnixNano())
	return unix.UtimesNanoAt(int(dir.Fd()), filepath.Base(native), []unix.Timespec{ts, ts}, unix.AT_SYMLINK_NOFOLLOW)
}
