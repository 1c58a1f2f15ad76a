//go:build cgo && linux && fuse3

package fusefs

import (
	"os"
	"path/filepath"
	"strings"
	"time"
)

// mountDev returns the "major:minor" of the FUSE mount at dir, from
// /proc/self/mountinfo (no FUSE request involved).
func mountDev(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return ""
	}
	dev := ""
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) > 4 && f[4] == abs {
			dev = f[2] // the last (topmost) mount wins
		}
	}
	return dev
}

// watch makes sure the FUSE session ends once the kernel mount is gone
// (fusermount3 -u, a lazy unmount, or Unmount): if the session is still
// alive grace after that — because something still holds a reference, or
// a request is stuck — reads are failed, the connection is aborted through
// /sys/fs/fuse/connections when available, and Done is closed so the
// process can exit; no process or mount is left behind.
func (m *Mount) watch(grace time.Duration) {
	dev := mountDev(m.dir)
	if dev == "" {
		return
	}
	minor := dev[strings.IndexByte(dev, ':')+1:]
	go func() {
		var gone time.Time
		for {
			select {
			case <-m.done:
				return
			case <-time.After(500 * time.Millisecond):
			}
			if mountDev(m.dir) == dev {
				gone = time.Time{}
				continue
			}
			if gone.IsZero() {
				gone = time.Now()
				continue
			}
			if time.Since(gone) > grace {
				m.fsys.shutdown()
				m.log.Warn("fusefs: mount gone but FUSE session still running (files open after a lazy unmount?): ending it", "dir", m.dir, "conn", minor)
				// Works where fusectl is mounted; otherwise the connection
				// is aborted when this process exits.
				_ = os.WriteFile("/sys/fs/fuse/connections/"+minor+"/abort", []byte("1"), 0)
				m.end()
				return
			}
		}
	}()
}
