//go:build unix

package node

import "syscall"

// diskCapacity is the size of the filesystem holding dir, the default placement weight.
func diskCapacity(dir string) uint64 {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 1 << 40
	}
	return st.Blocks * uint64(st.Bsize)
}
