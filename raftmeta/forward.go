package raftmeta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/datamon-io/datamon/model"
	"github.com/hashicorp/raft"
)

// Envelope kinds of the forwarding protocol.
const (
	kindApply      = "apply"       // payload: encoded command; reply: Data
	kindReadIndex  = "readindex"   // no payload; reply: Index
	kindRemoveNode = "remove_node" // payload: node ID
	// kindCommitIndex: no payload; reply: Index, the leader's confirmed
	// commit index (recovery.go).
	kindCommitIndex = "commitindex"
	envVersion      = byte(1)
	maxEnvelope     = MaxCommandSize + 4096
)

type envelope struct {
	Kind    string `json:"kind"`
	Payload []byte `json:"payload,omitempty"`
}

type reply struct {
	Index uint64 `json:"index,omitempty"`
	// Last and Term: the leader's last log index and term (commitindex).
	Last uint64     `json:"last,omitempty"`
	Term uint64     `json:"term,omitempty"`
	Data []byte     `json:"data,omitempty"`
	Err  *wireError `json:"err,omitempty"`
}

type wireError struct {
	Code string `json:"code"`
	Msg  string `json:"msg"`
}

// errorCodes maps errors that must survive forwarding; order matters
// (first match wins).
var errorCodes = []struct {
	code string
	err  error
}{
	{"not_found", model.ErrNotFound},
	{"exists", model.ErrExists},
	{"invalid", model.ErrInvalid},
	{"precondition", model.ErrPrecondition},
	{"not_empty", model.ErrNotEmpty},
	{"key_revoked", ErrKeyRevoked}, // before permission: both wrap it
	{"forbidden", ErrForbidden},
	{"permission", model.ErrPermission},
	{"unauthenticated", model.ErrUnauthenticated},
	{"not_leader", ErrNotLeader},
	{"not_leader", raft.ErrNotLeader},
	{"leadership_lost", raft.ErrLeadershipLost},
	{"not_leader", raft.ErrLeadershipTransferInProgress},
	{"not_leader", raft.ErrEnqueueTimeout},
	{"no_leader", ErrNoLeader},
	{"bad_command", ErrBadCommand},
	{"recovering", ErrRecovering},
	{"closed", ErrClosed},
	{"closed", raft.ErrRaftShutdown},
	{"deadline", context.DeadlineExceeded},
	{"canceled", context.Canceled},
}

// remoteError carries the leader's message while unwrapping to the sentinel.
type remoteError struct {
	msg      string
	sentinel error
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.sentinel }

func encodeError(err error) *wireError {
	if err == nil {
		return nil
	}
	for _, c := range errorCodes {
		if errors.Is(err, c.err) {
			return &wireError{Code: c.code, Msg: err.Error()}
		}
	}
	return &wireError{Code: "", Msg: err.Error()}
}

func decodeError(w *wireError) error {
	if w == nil {
		return nil
	}
	for _, c := range errorCodes {
		if c.code == w.Code {
			return &remoteError{msg: w.Msg, sentinel: c.err}
		}
	}
	return &remoteError{msg: w.Msg, sentinel: ErrRemote}
}

func encodeJSON(v any) []byte {
	js, _ := json.Marshal(v) // plain structs
	return append([]byte{envVersion}, js...)
}

func decodeJSON(b []byte, v any) error {
	if len(b) == 0 || b[0] != envVersion {
		return fmt.Errorf("%w: envelope version", ErrBadCommand)
	}
	if len(b) > maxEnvelope {
		return fmt.Errorf("%w: envelope of %d bytes", ErrBadCommand, len(b))
	}
	if err := json.Unmarshal(b[1:], v); err != nil {
		return fmt.Errorf("%w: %w", ErrBadCommand, err)
	}
	return nil
}

// HandleForward is the server side of forwarding (node registers it at
// /internal/meta). Failures of the operation are encoded in the reply; the
// returned error is non-nil only when the reply itself cannot be produced.
func (m *Meta) HandleForward(ctx context.Context, req []byte) ([]byte, error) {
	var env envelope
	if err := decodeJSON(req, &env); err != nil {
		return encodeJSON(reply{Err: encodeError(err)}), nil
	}
	var rep reply
	var err error
	switch env.Kind {
	case kindApply:
		var c *command
		if c, err = decodeCommand(env.Payload); err == nil {
			rep.Data, err = m.applyLocal(ctx, c)
		}
	case kindReadIndex:
		rep.Index, err = m.localReadIndex(ctx)
	case kindCommitIndex:
		var pos leaderPos
		pos, err = m.localLeaderPos(ctx)
		rep.Index, rep.Last, rep.Term = pos.commit, pos.last, pos.term
	case kindRemoveNode:
		err = m.removeNodeLocal(ctx, string(env.Payload))
	default:
		err = fmt.Errorf("%w: unknown envelope kind %q", ErrBadCommand, env.Kind)
	}
	rep.Err = encodeError(err)
	return encodeJSON(rep), nil
}

// retryable reports whether a leader call may be retried: the operation was
// not performed, or (leadership lost, transport error) it carries a request
// ID that makes a repeat harmless.
func retryable(err error) bool {
	for _, e := range []error{ErrNotLeader, ErrNoLeader, ErrForward, raft.ErrNotLeader,
		raft.ErrLeadershipLost, raft.ErrLeadershipTransferInProgress, raft.ErrEnqueueTimeout} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// leaderRPCAddr finds the current leader's RPC address in the gossip view.
func (m *Meta) leaderRPCAddr() (string, error) {
	_, id := m.raft.LeaderWithID()
	if id == "" {
		return "", ErrNoLeader
	}
	if string(id) == m.cfg.NodeID {
		return "", ErrNotLeader // transitional: raft still names us
	}
	for _, s := range m.members.Servers() {
		if s.ID == string(id) && s.RPCAddr != "" {
			return s.RPCAddr, nil
		}
	}
	return "", fmt.Errorf("%w: leader %s not in the gossip view", ErrNoLeader, id)
}

// leaderCall runs local when this node leads, otherwise forwards kind+payload
// to the leader; retryable failures are retried with backoff until ctx ends.
func (m *Meta) leaderCall(ctx context.Context, kind string, payload []byte,
	local func(context.Context) (reply, error)) (reply, error) {
	backoff := 10 * time.Millisecond
	for {
		if m.closed.Load() {
			return reply{}, ErrClosed
		}
		rep, err := m.leaderCallOnce(ctx, kind, payload, local)
		if err == nil || !retryable(err) {
			return rep, err
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return reply{}, fmt.Errorf("raftmeta: %s: %w (last error: %v)", kind, ctx.Err(), err)
		case <-m.stop:
			t.Stop()
			return reply{}, ErrClosed
		case <-t.C:
		}
		if backoff < 400*time.Millisecond {
			backoff *= 2
		}
	}
}

func (m *Meta) leaderCallOnce(ctx context.Context, kind string, payload []byte,
	local func(context.Context) (reply, error)) (reply, error) {
	if m.raft.State() == raft.Leader {
		return local(ctx)
	}
	addr, err := m.leaderRPCAddr()
	if err != nil {
		return reply{}, err
	}
	raw, err := m.fwd.Forward(ctx, addr, encodeJSON(envelope{Kind: kind, Payload: payload}))
	if err != nil {
		if ctx.Err() != nil {
			return reply{}, ctx.Err()
		}
		return reply{}, fmt.Errorf("%w: %s: %w", ErrForward, addr, err)
	}
	var rep reply
	if err := decodeJSON(raw, &rep); err != nil {
		return reply{}, fmt.Errorf("%w: reply from %s: %w", ErrForward, addr, err)
	}
	return rep, decodeError(rep.Err)
}
