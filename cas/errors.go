package cas

import "errors"

// Sentinel errors; returned errors wrap them with context. Unknown chunks wrap
// model.ErrNotFound instead.
var (
	// ErrInsufficientShards: a write got fewer than K+1 (K when M = 0) durable
	// shards, or a read found some but fewer than K usable shards.
	ErrInsufficientShards = errors.New("cas: insufficient shards")
	// ErrTooLarge: the chunk exceeds Config.MaxChunkSize.
	ErrTooLarge = errors.New("cas: chunk too large")
	// ErrCorrupt: shards were found but no combination of them reproduces the
	// chunk's ID.
	ErrCorrupt = errors.New("cas: chunk corrupt")
	// ErrNoLayout: the topology has no layout yet.
	ErrNoLayout = errors.New("cas: no layout")
	// ErrUnavailable: too few nodes answered to tell whether a chunk exists
	// (Has with no answer at all; Get that found no shard while more than M
	// owners were unreachable).
	ErrUnavailable = errors.New("cas: no node reachable")
	// ErrClosed: the service was closed.
	ErrClosed = errors.New("cas: service closed")
	// ErrInvalidConfig: Config.Validate failed.
	ErrInvalidConfig = errors.New("cas: invalid config")
)
