//go:build windows

package fusefs

import "strings"

// mountOptions builds the WinFsp-FUSE options: the mounting user owns the
// files (uid/gid -1 map to the current user).
func mountOptions(cfg Config, readOnly bool, repo, id string) []string {
	o := []string{"fsname=" + fsName(repo, id), "volname=" + fsName(repo, id), "uid=-1", "gid=-1"}
	if readOnly {
		o = append(o, "ro")
	}
	return []string{"-o", strings.Join(o, ",")}
}
