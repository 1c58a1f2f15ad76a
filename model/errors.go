package model

import "errors"

// Domain errors. Every layer wraps these with context; callers test with errors.Is.
var (
	// ErrNotFound: the named context, repo, bundle, label or key does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists: create of something that already exists.
	ErrExists = errors.New("already exists")
	// ErrInvalid: a name, description or field breaks the model's rules.
	ErrInvalid = errors.New("invalid argument")
	// ErrPrecondition: a compare-and-set (label --if-match, must-not-exist) did not hold.
	ErrPrecondition = errors.New("precondition failed")
	// ErrNotEmpty: delete of something that still has content where emptiness is required.
	ErrNotEmpty = errors.New("not empty")
	// ErrPermission: the caller's key lacks the permission.
	ErrPermission = errors.New("permission denied")
	// ErrUnauthenticated: no or bad credentials.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrNodesDown: a write was refused because too few of the nodes that
	// must store it are up; retrying helps only once a node is back.
	ErrNodesDown = errors.New("nodes down")
	// ErrRequestExpired: a write carried a request ID older than the
	// cluster's deduplication window; it was not applied (it may have been
	// before: re-read, then send a new request).
	ErrRequestExpired = errors.New("request expired")
	// ErrRequestReused: a write carried a request ID already used for a
	// different operation; it was not applied.
	ErrRequestReused = errors.New("request ID reused for a different operation")
)
