package model

import (
	"fmt"
	"strings"
	"time"
)

// User is a person or pipeline that holds access keys. The contributor
// recorded on bundles, labels and label moves is the authenticated user's
// name and email, never what a client claims.
type User struct {
	Name    string    `json:"name"`
	Email   string    `json:"email"`
	Created time.Time `json:"created,omitzero"`
	// Keys lists the IDs of the user's access keys (read side only).
	Keys []string `json:"keys,omitempty"`
}

// Contributor is the identity recorded on what the user writes.
func (u User) Contributor() Contributor { return Contributor{Name: u.Name, Email: u.Email} }

// Grant scopes: "context/repo", "context/*" (every repo of a context) or
// "*" (the cluster: admin there is root).
const ScopeCluster = "*"

// String is the permission's name: none, read, write or admin.
func (p Permission) String() string {
	switch p {
	case PermNone:
		return "none"
	case PermRead:
		return "read"
	case PermWrite:
		return "write"
	case PermAdmin:
		return "admin"
	}
	return fmt.Sprintf("Permission(%d)", int(p))
}

// ParsePermission is the inverse of Permission.String (read, write, admin).
func ParsePermission(s string) (Permission, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "read":
		return PermRead, nil
	case "write":
		return PermWrite, nil
	case "admin":
		return PermAdmin, nil
	}
	return PermNone, fmt.Errorf("%w: permission %q: want read, write or admin", ErrInvalid, s)
}
