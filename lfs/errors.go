package lfs

import "errors"

// Package errors; handlers wrap them (and model errors) with context.
var (
	// ErrBadConfig: a Config field is out of range.
	ErrBadConfig = errors.New("lfs: bad config")
	// ErrBadRequest: a request body or parameter is malformed (400/422).
	ErrBadRequest = errors.New("lfs: bad request")
	// ErrTooMany: a batch holds more objects than Config.MaxBatchObjects (413).
	ErrTooMany = errors.New("lfs: too many objects in one batch")
	// ErrHashAlgo: the client asked for a hash algorithm other than sha256 (409).
	ErrHashAlgo = errors.New("lfs: unsupported hash algorithm")
	// ErrMismatch: uploaded bytes do not match the OID or the size (422).
	ErrMismatch = errors.New("lfs: uploaded bytes do not match the object")
	// ErrToken: a transfer href's token is malformed, forged, for another
	// object or expired (401).
	ErrToken = errors.New("lfs: bad or expired transfer token")
)
