package raftlog

import "errors"

var (
	// ErrKeyNotFound is returned, unwrapped, by Get and GetUint64 for a key that
	// was never set. Its message must stay exactly "not found": hashicorp/raft
	// (NewRaft, HasExistingState) tests err.Error() == "not found".
	ErrKeyNotFound = errors.New("not found")

	// ErrClosed is returned by every method called after Close.
	ErrClosed = errors.New("raftlog: store closed")

	// ErrCorrupt reports a stored log entry or stable value that fails
	// validation (bad checksum, truncated, wrong index, wrong length).
	ErrCorrupt = errors.New("raftlog: corrupt record")

	// ErrVersion reports a log record written in an unknown format version.
	ErrVersion = errors.New("raftlog: unsupported record version")

	// ErrInvalidConfig reports a Config that fails Validate.
	ErrInvalidConfig = errors.New("raftlog: invalid config")
)

// ErrInvalidLog reports a log entry raft would never store (nil, index 0).
var ErrInvalidLog = errors.New("raftlog: invalid log entry")
