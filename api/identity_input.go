package api

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode"

	"github.com/datamon-io/datamon/model"
)

// Input checks of the identity routes: bad input is 400 and reaches no
// store.

const maxGrantLen = 600 // two names of up to 128 runes (4 bytes each) + "/=admin"

// parseGrant parses "scope=permission": scope is "context/repo",
// "context/*" or "*" (the cluster); permission is read, write or admin.
func parseGrant(s string) (string, model.Permission, error) {
	if len(s) > maxGrantLen {
		return "", model.PermNone, fmt.Errorf("%w: grant longer than %d bytes", model.ErrInvalid, maxGrantLen)
	}
	scope, perm, ok := strings.Cut(strings.TrimSpace(s), "=")
	if !ok {
		return "", model.PermNone, fmt.Errorf("%w: grant %q: want scope=permission (ctx/repo=read, ctx/*=write, *=admin)", model.ErrInvalid, s)
	}
	scope = strings.TrimSpace(scope)
	if err := validateScope(scope); err != nil {
		return "", model.PermNone, fmt.Errorf("grant %q: %w", s, err)
	}
	p, err := model.ParsePermission(perm)
	if err != nil {
		return "", model.PermNone, fmt.Errorf("grant %q: %w", s, err)
	}
	return scope, p, nil
}

// validateScope checks "context/repo", "context/*" or model.ScopeCluster.
func validateScope(scope string) error {
	if scope == model.ScopeCluster {
		return nil
	}
	c, repo, ok := strings.Cut(scope, "/")
	if !ok {
		return fmt.Errorf("%w: scope %q: want context/repo, context/* or *", model.ErrInvalid, scope)
	}
	if err := model.ValidateContextName(c); err != nil {
		return fmt.Errorf("scope %q: %w", scope, err)
	}
	if repo == "*" {
		return nil
	}
	if err := model.ValidateRepoName(repo); err != nil {
		return fmt.Errorf("scope %q: %w", scope, err)
	}
	return nil
}

// parseGrants parses a key's grants; a scope given twice is refused.
func parseGrants(in []string) (map[string]model.Permission, error) {
	out := make(map[string]model.Permission, len(in))
	for _, g := range in {
		scope, p, err := parseGrant(g)
		if err != nil {
			return nil, err
		}
		if _, dup := out[scope]; dup {
			return nil, fmt.Errorf("%w: scope %q is granted twice", model.ErrInvalid, scope)
		}
		out[scope] = p
	}
	return out, nil
}

// validateUser: a name of letters, digits, '-', '_' and '.' (1-128 runes,
// not starting with '.'), and an email that is empty or a bare address.
func validateUser(u model.User) error {
	if err := validateUserName(u.Name); err != nil {
		return err
	}
	if u.Email == "" {
		return nil
	}
	if len(u.Email) > 254 {
		return fmt.Errorf("%w: email longer than 254 bytes", model.ErrInvalid)
	}
	if a, err := mail.ParseAddress(u.Email); err != nil || a.Name != "" || a.Address != u.Email {
		return fmt.Errorf("%w: email %q: want a bare address such as ada@example.com", model.ErrInvalid, u.Email)
	}
	return nil
}

func validateUserName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: user name is empty", model.ErrInvalid)
	case len([]rune(name)) > 128:
		return fmt.Errorf("%w: user name longer than 128 characters", model.ErrInvalid)
	case name[0] == '.':
		return fmt.Errorf("%w: user name %q must not start with '.'", model.ErrInvalid, name)
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_' && r != '.' {
			return fmt.Errorf("%w: user name %q may contain only letters, digits, '-', '_' and '.'", model.ErrInvalid, name)
		}
	}
	return nil
}

// validateKeyID: what newKeyID makes, or an existing key's ID (the root
// key's is configured): 1-128 printable ASCII characters, no '/'.
func validateKeyID(id string) error {
	if id == "" || len(id) > 128 {
		return fmt.Errorf("%w: key ID must be 1-128 characters", model.ErrInvalid)
	}
	for _, r := range id {
		if r <= ' ' || r > '~' || r == '/' {
			return fmt.Errorf("%w: key ID %q has a character other than printable ASCII", model.ErrInvalid, id)
		}
	}
	return nil
}
