//go:build !((cgo && linux && fuse3) || (cgo && darwin) || windows)

package fusefs

import (
	"context"
	"fmt"

	"github.com/datamon-io/datamon/model"
)

// Supported reports whether this build can mount.
const Supported = false

// Mount is a live FUSE mount (never created in this build).
type Mount struct{}

func errNoFUSE() error { return fmt.Errorf("%w\n%s", ErrNoFUSE, NoFUSEHelp) }

// MountReadOnly returns ErrNoFUSE: this build has no FUSE support.
func MountReadOnly(context.Context, Store, Config, model.Bundle, string) (*Mount, error) {
	return nil, errNoFUSE()
}

// MountReadWrite returns ErrNoFUSE: this build has no FUSE support.
func MountReadWrite(context.Context, Store, Config, *Staging, string) (*Mount, error) {
	return nil, errNoFUSE()
}

// Dir returns "".
func (m *Mount) Dir() string { return "" }

// Done returns a closed channel.
func (m *Mount) Done() <-chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

// Err returns ErrNoFUSE.
func (m *Mount) Err() error { return errNoFUSE() }

// Unmount returns ErrNoFUSE.
func (m *Mount) Unmount(context.Context) error { return errNoFUSE() }
