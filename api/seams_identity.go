package api

import (
	"context"
	"time"

	"github.com/datamon-io/datamon/model"
)

// Identities manages users, access keys and grants (raftmeta.Meta). Secrets
// travel in plaintext only between the API handler and this seam; the store
// encrypts them before they enter the Raft log. Lists and gets return keys
// with Secret and OldSecret blanked; only CreateKey and RotateKey callers see
// a secret, once. Missing users and keys are model.ErrNotFound; a user or
// key that exists already is model.ErrExists.
type Identities interface {
	CreateUser(ctx context.Context, u model.User) (model.User, error)
	GetUser(ctx context.Context, name string) (model.User, error)
	ListUsers(ctx context.Context) ([]model.User, error)
	// DeleteUser deletes the user and every key it holds.
	DeleteUser(ctx context.Context, name string) error

	// CreateKey stores k (k.User must exist; k.Secret is set by the caller).
	CreateKey(ctx context.Context, k model.AccessKey) (model.AccessKey, error)
	GetKey(ctx context.Context, id string) (model.AccessKey, error)
	// ListKeys lists every key, or the keys of one user when user != "".
	ListKeys(ctx context.Context, user string) ([]model.AccessKey, error)
	DeleteKey(ctx context.Context, id string) error
	// RotateKey replaces the key's secret with newSecret; the previous one
	// stays valid for grace (0: revoked at once).
	RotateKey(ctx context.Context, id, newSecret string, grace time.Duration) (model.AccessKey, error)

	// AddGrant sets the key's permission on scope ("ctx/repo", "ctx/*" or
	// model.ScopeCluster); RemoveGrant drops it (model.ErrNotFound if absent).
	AddGrant(ctx context.Context, keyID, scope string, p model.Permission) (model.AccessKey, error)
	RemoveGrant(ctx context.Context, keyID, scope string) (model.AccessKey, error)
}
