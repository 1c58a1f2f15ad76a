package fusefs

import "os"

// owner returns the mounting user's uid and gid (0 where there is none).
func owner() (uint32, uint32) {
	uid, gid := os.Getuid(), os.Getgid()
	if uid < 0 || gid < 0 {
		return 0, 0
	}
	return uint32(uid), uint32(gid)
}
