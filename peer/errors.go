package peer

import (
	"errors"
	"fmt"
)

var (
	// ErrUnauthorized: a request or connection failed authentication.
	ErrUnauthorized = errors.New("peer: unauthorized")
	// ErrUnreachable: the peer could not be reached or did not answer in time
	// (dial failure, reset, timeout). Callers should try another node.
	ErrUnreachable = errors.New("peer: unreachable")
	// ErrConfig: invalid ServerConfig or ClientConfig.
	ErrConfig = errors.New("peer: invalid config")
	// ErrBadRequest: a malformed request (bad key encoding, bad body).
	ErrBadRequest = errors.New("peer: bad request")
	// ErrNoSpace: the peer's disk is full (HTTP 507).
	ErrNoSpace = errors.New("peer: insufficient storage")
	// ErrClosed: the client or stream layer is closed.
	ErrClosed = errors.New("peer: closed")
)

// StatusError is a non-2xx answer from a peer. Unwrap yields the sentinel the
// status maps to (for example shard.ErrNotFound for 404 on shard routes).
type StatusError struct {
	Code int
	Msg  string
	err  error
}

func (e *StatusError) Error() string { return fmt.Sprintf("peer: status %d: %s", e.Code, e.Msg) }

// Unwrap returns the sentinel the status code maps to, if any.
func (e *StatusError) Unwrap() error { return e.err }
