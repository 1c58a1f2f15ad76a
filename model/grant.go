package model

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Grant is one permission on one scope: "context/repo", "context/*" or
// ScopeCluster. Its text form is "scope=permission" ("demo/data=read").
type Grant struct {
	Scope      string     `json:"scope"`
	Permission Permission `json:"permission"`
}

// String is the grant's text form, the inverse of ParseGrant.
func (g Grant) String() string { return g.Scope + "=" + g.Permission.String() }

const maxGrantLen = 2*maxNameLen*4 + 16 // two names of up to 128 runes (4 bytes each) + "/=admin"

// ParseGrant parses "scope=permission": scope is "context/repo",
// "context/*" or "*" (the cluster), permission is read, write or admin.
// Surrounding spaces are ignored; anything else malformed is ErrInvalid.
func ParseGrant(s string) (Grant, error) {
	if len(s) > maxGrantLen {
		return Grant{}, fmt.Errorf("%w: grant longer than %d bytes", ErrInvalid, maxGrantLen)
	}
	scope, perm, ok := strings.Cut(strings.TrimSpace(s), "=")
	if !ok {
		return Grant{}, fmt.Errorf("%w: grant %q: want scope=permission (ctx/repo=read, ctx/*=write, *=admin)", ErrInvalid, s)
	}
	scope = strings.TrimSpace(scope)
	if err := ValidateScope(scope); err != nil {
		return Grant{}, fmt.Errorf("grant %q: %w", s, err)
	}
	p, err := ParsePermission(perm)
	if err != nil {
		return Grant{}, fmt.Errorf("grant %q: %w", s, err)
	}
	return Grant{Scope: scope, Permission: p}, nil
}

// ValidateScope checks a grant scope: "context/repo", "context/*" or
// ScopeCluster ("*"), with valid context and repo names.
func ValidateScope(scope string) error {
	if scope == ScopeCluster {
		return nil
	}
	ctx, repo, ok := strings.Cut(scope, "/")
	if !ok {
		return fmt.Errorf("%w: scope %q: want context/repo, context/* or *", ErrInvalid, scope)
	}
	if err := ValidateContextName(ctx); err != nil {
		return fmt.Errorf("scope %q: %w", scope, err)
	}
	if repo == "*" {
		return nil
	}
	if err := ValidateRepoName(repo); err != nil {
		return fmt.Errorf("scope %q: %w", scope, err)
	}
	return nil
}

// ValidateGrant checks a grant's scope and that its permission is read,
// write or admin.
func ValidateGrant(g Grant) error {
	if err := ValidateScope(g.Scope); err != nil {
		return err
	}
	if g.Permission < PermRead || g.Permission > PermAdmin {
		return fmt.Errorf("%w: grant on %q: permission %s: want read, write or admin", ErrInvalid, g.Scope, g.Permission)
	}
	return nil
}

// ValidateUserName: letters, digits, '-', '_' and '.', 1-128 runes, not
// starting with '.' (the label rule).
func ValidateUserName(name string) error {
	if err := validateName("user", name, true); err != nil {
		return err
	}
	if name[0] == '.' {
		return fmt.Errorf("%w: user name %q must not start with '.'", ErrInvalid, name)
	}
	return nil
}

const maxEmailLen = 254

// ValidateEmail accepts "" (a pipeline may have none) or a bare address
// ("a@b.example", no display name), at most 254 bytes.
func ValidateEmail(email string) error {
	if email == "" {
		return nil
	}
	if len(email) > maxEmailLen {
		return fmt.Errorf("%w: email longer than %d bytes", ErrInvalid, maxEmailLen)
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Name != "" || a.Address != email {
		return fmt.Errorf("%w: email %q: want a bare address such as ada@example.com", ErrInvalid, email)
	}
	return nil
}

// ValidateUser checks a user before create.
func ValidateUser(u User) error {
	if err := ValidateUserName(u.Name); err != nil {
		return err
	}
	return ValidateEmail(u.Email)
}

// Rotation grace periods: how long a rotated key's previous secret stays
// valid (`datamon key rotate`), by default and at most.
const (
	DefaultRotationGrace = 24 * time.Hour
	MaxRotationGrace     = 30 * 24 * time.Hour
)
