package fusefs

import "errors"

// Sentinel errors.
var (
	// ErrNoFUSE: this binary was built without FUSE support, or the FUSE
	// library is missing at run time.
	ErrNoFUSE = errors.New("fusefs: FUSE support not available")
	// ErrBadConfig: an invalid Config or options.
	ErrBadConfig = errors.New("fusefs: invalid config")
	// ErrMount: the kernel mount failed.
	ErrMount = errors.New("fusefs: mount failed")
	// ErrCommit: committing a read-write mount failed; the staging
	// directory is kept and the commit can be retried.
	ErrCommit = errors.New("fusefs: commit failed")
	// ErrTooLarge: a directory rename would copy up more than MaxCopyUp.
	ErrTooLarge = errors.New("fusefs: copy-up too large")
)

// NoFUSEHelp explains how to get a datamon with FUSE.
const NoFUSEHelp = `this datamon was built without FUSE support.
  Linux:   apt-get install fuse3 libfuse3-dev, then build with cgo: make build
           (CGO_ENABLED=1 go build -tags fuse3 ./cmd/datamon)
  macOS:   install macFUSE (https://osxfuse.github.io), then CGO_ENABLED=1 go build ./cmd/datamon
  Windows: install WinFsp (https://winfsp.dev); GOOS=windows go build -tags fuse3 ./cmd/datamon`
