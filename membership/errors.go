package membership

import "errors"

var (
	// ErrConfig is returned by Config.Validate for an unusable configuration.
	ErrConfig = errors.New("membership: invalid config")
	// ErrMetaTooLarge is returned when an encoded Meta exceeds MaxMetaSize.
	ErrMetaTooLarge = errors.New("membership: node meta too large")
	// ErrBadMeta is returned when node meta cannot be decoded or is invalid.
	ErrBadMeta = errors.New("membership: malformed node meta")
	// ErrJoin is returned when no existing member could be contacted.
	ErrJoin = errors.New("membership: join failed")
	// ErrClosed is returned by calls on a closed Membership.
	ErrClosed = errors.New("membership: closed")
)
