//go:build (cgo && darwin) || windows

package fusefs

import "time"

// watch: the session ends with the unmount on these platforms.
func (m *Mount) watch(time.Duration) {}
