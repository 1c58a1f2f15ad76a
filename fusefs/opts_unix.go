//go:build (cgo && linux && fuse3) || (cgo && darwin)

package fusefs

import (
	"runtime"
	"strings"
)

// mountOptions builds the libfuse command-line options.
func mountOptions(cfg Config, readOnly bool, repo, id string) []string {
	o := []string{"fsname=" + fsName(repo, id), "subtype=datamon", "default_permissions"}
	if readOnly {
		// Immutable data: let the kernel cache attributes, names and pages.
		o = append(o, "ro", "kernel_cache", "attr_timeout=3600", "entry_timeout=3600", "negative_timeout=3600")
	} else {
		o = append(o, "attr_timeout=1", "entry_timeout=1")
	}
	if runtime.GOOS == "linux" {
		// libfuse 3.12–3.16 defaults max_idle_threads to UINT_MAX and then
		// prints "Ignoring invalid max threads value 4294967295 > max
		// (100000)." at every mount; giving its documented default
		// explicitly keeps the behaviour and silences it. (macFUSE does not
		// know the option.)
		o = append(o, "max_idle_threads=10")
	}
	if cfg.AllowOther {
		o = append(o, "allow_other")
	}
	return []string{"-o", strings.Join(o, ",")}
}
