//go:build (cgo && linux && fuse3) || (cgo && darwin)

package fusefs

import "strings"

// mountOptions builds the libfuse command-line options.
func mountOptions(cfg Config, readOnly bool, repo, id string) []string {
	o := []string{"fsname=" + fsName(repo, id), "subtype=datamon", "default_permissions"}
	if readOnly {
		// Immutable data: let the kernel cache attributes, names and pages.
		o = append(o, "ro", "kernel_cache", "attr_timeout=3600", "entry_timeout=3600", "negative_timeout=3600")
	} else {
		o = append(o, "attr_timeout=1", "entry_timeout=1")
	}
	if cfg.AllowOther {
		o = append(o, "allow_other")
	}
	return []string{"-o", strings.Join(o, ",")}
}
