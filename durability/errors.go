package durability

import "errors"

// Sentinel errors; returned errors wrap them.
var (
	// ErrInvalidConfig: Config.Validate failed or a dependency is nil.
	ErrInvalidConfig = errors.New("durability: invalid config")
	// ErrClosed: the service was closed.
	ErrClosed = errors.New("durability: closed")
	// ErrNoLayout: there is no layout yet.
	ErrNoLayout = errors.New("durability: no layout")
	// ErrMark: the mark phase could not read every live manifest (GC aborted).
	ErrMark = errors.New("durability: mark incomplete")
	// ErrBadRequest: a malformed internal request.
	ErrBadRequest = errors.New("durability: bad request")
)
