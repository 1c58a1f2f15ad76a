package csi

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// alive reports whether pid runs (a zombie does not).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) state ...: the state follows the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return false
	}
	return b[i+2] != 'Z' && b[i+2] != 'X'
}

// mounted reports whether dir is a mount point (from /proc/self/mountinfo).
func mounted(dir string) (bool, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return false, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && unescapeMount(fields[4]) == dir {
			return true, nil
		}
	}
	return false, sc.Err()
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unmount unmounts dir: umount(2) when privileged, else fusermount3 -u;
// a dead FUSE server's mount ("transport endpoint is not connected") is
// detached lazily.
func unmount(dir string) error {
	err := unix.Unmount(dir, 0)
	if err == nil || errors.Is(err, unix.EINVAL) { // EINVAL: not a mount point
		return nil
	}
	if errors.Is(err, unix.EPERM) {
		out, ferr := exec.Command("fusermount3", "-u", dir).CombinedOutput()
		if ferr == nil {
			return nil
		}
		return fmt.Errorf("fusermount3 -u %s: %v: %s", dir, ferr, strings.TrimSpace(string(out)))
	}
	if errors.Is(err, unix.ENOTCONN) {
		return unix.Unmount(dir, unix.MNT_DETACH)
	}
	return fmt.Errorf("unmount %s: %w", dir, err)
}

// healthy reports whether the mount at dir answers (a dead FUSE server's
// mount fails stat with ENOTCONN).
func healthy(dir string) bool {
	var st unix.Stat_t
	return unix.Stat(dir, &st) == nil
}
