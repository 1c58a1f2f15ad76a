package raftmeta

import (
	"context"
	"errors"
	"fmt"

	"github.com/datamon-io/datamon/model"
)

// The state machine is the authority over writes made with an access key.
// The edges (api, gateway via s3backend, lfs) authenticate a request on
// their node's state and put a model.Caller on its context; submit copies
// it, with the grants the edge checked, into the command as an authStamp,
// and Apply checks the stamp against the key as the log has it at that
// index before dispatching the command (authorize). A key deleted, a secret
// rotated away or past its grace, or a grant removed or downgraded by a
// command earlier in the log refuses the write on every replica alike:
// the check reads only FSM state and the command's stamped time. Commands
// forwarded from a follower carry the stamp inside the encoded command.
// Commands without a stamp (system work, JWT/STS callers) are not checked.

// Refusals of a stamped command at apply time. Both wrap
// model.ErrPermission (403 at every edge) and survive forwarding.
var (
	// ErrKeyRevoked: the stamp's key no longer exists, or the secret the
	// request was signed with is no longer one of its valid secrets.
	ErrKeyRevoked = fmt.Errorf("raftmeta: access key revoked: %w", model.ErrPermission)
	// ErrForbidden: the key no longer holds a grant the request needs.
	ErrForbidden = fmt.Errorf("raftmeta: grant revoked: %w", model.ErrPermission)
)

// authStamp is the caller of a command (command.Auth).
type authStamp struct {
	Key   string        `json:"k"`
	Gen   uint64        `json:"g,omitempty"`
	Needs []model.Grant `json:"n,omitempty"`
}

// stampFrom builds the stamp of ctx's model.Caller (nil without one).
func stampFrom(ctx context.Context) (*authStamp, error) {
	c, needs, ok := model.CallerFrom(ctx)
	if !ok {
		return nil, nil
	}
	s := &authStamp{Key: c.Key, Gen: c.SecretGen, Needs: needs}
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", model.ErrInvalid, err)
	}
	return s, nil
}

var errBadStamp = errors.New("auth stamp")

// validate checks a stamp's shape (decodeCommand, stampFrom).
func (s *authStamp) validate() error {
	if s.Key == "" || len(s.Key) > 256 {
		return fmt.Errorf("%w: key id of %d bytes", errBadStamp, len(s.Key))
	}
	if len(s.Needs) > model.MaxCallerNeeds {
		return fmt.Errorf("%w: %d grants, limit %d", errBadStamp, len(s.Needs), model.MaxCallerNeeds)
	}
	for _, g := range s.Needs {
		if g.Permission < model.PermRead || g.Permission > model.PermAdmin {
			return fmt.Errorf("%w: permission %d on %q", errBadStamp, g.Permission, g.Scope)
		}
		if g.Scope == model.ScopeAny {
			continue
		}
		if err := model.ValidateScope(g.Scope); err != nil {
			return fmt.Errorf("%w: %w", errBadStamp, err)
		}
	}
	return nil
}

// authorize is the pre-dispatch check of Apply: nil when the command is
// unstamped or its key, at this point of the log, still has the secret
// generation it was signed with and every grant it needs.
func (tx *txn) authorize(s *authStamp) error {
	if s == nil {
		return nil
	}
	k, err := tx.getKey(s.Key)
	if errors.Is(err, model.ErrNotFound) {
		return fmt.Errorf("%w: access key %q no longer exists", ErrKeyRevoked, s.Key)
	}
	if err != nil {
		return err
	}
	switch {
	case s.Gen == k.SecretGen:
	case s.Gen == k.OldSecretGen && k.OldSecret != "" && tx.now.Before(k.OldSecretUntil):
	case s.Gen == k.OldSecretGen && k.OldSecret != "":
		return fmt.Errorf("%w: access key %q: the rotated secret's grace period ended at %s",
			ErrKeyRevoked, s.Key, k.OldSecretUntil.Format("2006-01-02T15:04:05Z07:00"))
	default:
		return fmt.Errorf("%w: access key %q: the request was signed with a secret it no longer has", ErrKeyRevoked, s.Key)
	}
	for _, g := range s.Needs {
		if model.KeyPermission(k, g.Scope) < g.Permission {
			scope := g.Scope
			if scope == model.ScopeAny {
				scope = "any scope"
			}
			return fmt.Errorf("%w: access key %q no longer has %s on %s", ErrForbidden, s.Key, g.Permission, scope)
		}
	}
	return nil
}
