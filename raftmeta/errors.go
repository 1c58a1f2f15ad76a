package raftmeta

import "errors"

// Sentinel errors of this package. Domain errors (not found, exists, invalid,
// precondition) are model.Err* and survive forwarding (see forward.go).
var (
	// ErrInvalidConfig: Config.Validate failed.
	ErrInvalidConfig = errors.New("raftmeta: invalid config")
	// ErrClosed: the Meta was closed.
	ErrClosed = errors.New("raftmeta: closed")
	// ErrNoLeader: no leader is known (yet); the call was retried until ctx ended.
	ErrNoLeader = errors.New("raftmeta: no leader")
	// ErrNotLeader: a leader-only operation reached a node that is not the leader.
	ErrNotLeader = errors.New("raftmeta: not the leader")
	// ErrBadCommand: a command or forward envelope could not be decoded.
	ErrBadCommand = errors.New("raftmeta: malformed command")
	// ErrBadSnapshot: a snapshot stream is truncated, corrupt or of an unknown version.
	ErrBadSnapshot = errors.New("raftmeta: malformed snapshot")
	// ErrForward: forwarding to the leader failed (transport error).
	ErrForward = errors.New("raftmeta: forward to leader failed")
	// ErrRemote: the leader returned an error without a known type.
	ErrRemote = errors.New("raftmeta: remote error")
	// ErrRecovering: this node found its raft log, stable store or FSM
	// damaged and refuses to serve metadata until it has caught up from
	// the leader (see recovery.go); another node can serve the call.
	ErrRecovering = errors.New("raftmeta: metadata store damaged, recovering from the leader")
	// ErrVotesRefused: a node recovering from a damaged log or stable store
	// takes no part in elections (see votegate.go).
	ErrVotesRefused = errors.New("raftmeta: votes refused while recovering")
)
