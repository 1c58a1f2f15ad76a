package api

import (
	"sort"
	"time"

	"github.com/datamon-io/datamon/model"
)

// Wire types of the identity routes (handlers_identity.go). A secret
// appears only in KeySecret, the answer of key create and key rotate.

// CreateUserRequest is the body of POST /v1/users; the answer is a
// model.User.
type CreateUserRequest struct {
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
}

// CreateKeyRequest is the body of POST /v1/keys: the key's owner and its
// grants as "scope=permission" ("demo/data=read", "demo/*=write",
// "*=admin"). The server generates the ID and the secret.
type CreateKeyRequest struct {
	User   string   `json:"user"`
	Grants []string `json:"grants,omitempty"`
}

// RotateKeyRequest is the body of POST /v1/keys/{id}/rotate. Grace is a Go
// duration ("90s", "1h"; "0s": the old secret is revoked at once; omitted:
// model.DefaultRotationGrace, 24 h), at most model.MaxRotationGrace (30 days).
type RotateKeyRequest struct {
	Grace string `json:"grace,omitempty"`
}

// AddGrantRequest is the body of POST /v1/keys/{id}/grants: one
// "scope=permission" (it replaces the key's permission on that scope).
// Removing is DELETE /v1/keys/{id}/grants?scope=S.
type AddGrantRequest struct {
	Grant string `json:"grant"`
}

// KeyInfo is an access key as the API shows it: never its secret.
type KeyInfo struct {
	ID          string            `json:"id"`
	User        string            `json:"user,omitempty"`
	Contributor model.Contributor `json:"contributor"`
	// Root is the bootstrap key of the cluster (admin everywhere).
	Root bool `json:"root,omitempty"`
	// Grants are "scope=permission", sorted by scope.
	Grants  []string  `json:"grants"`
	Created time.Time `json:"created,omitzero"`
	// OldSecretUntil: after a rotation, the previous secret is accepted
	// until then.
	OldSecretUntil time.Time `json:"old_secret_until,omitzero"`
}

// KeySecret is the answer of key create and key rotate: the key and its
// (new) secret, shown this once.
type KeySecret struct {
	KeyInfo
	Secret string `json:"secret"`
}

// NewKeyInfo is k without its secrets.
func NewKeyInfo(k model.AccessKey) KeyInfo {
	scopes := make([]string, 0, len(k.Grants))
	for scope := range k.Grants {
		scopes = append(scopes, scope)
	}
	sort.Strings(scopes)
	grants := make([]string, len(scopes))
	for i, scope := range scopes {
		grants[i] = scope + "=" + k.Grants[scope].String()
	}
	return KeyInfo{
		ID: k.ID, User: k.User, Contributor: k.Contributor, Root: k.Root, Grants: grants,
		Created: k.Created, OldSecretUntil: k.OldSecretUntil,
	}
}
