package jwtauth

import (
	"fmt"
	"strings"

	"github.com/datamon-io/datamon/model"
)

// ParseGrant parses "scope=permission": scope is "context/repo",
// "context/*" (every repo of the context) or "*" (the cluster: admin there
// is root); permission is read, write or admin (model.ParsePermission).
func ParseGrant(s string) (scope string, p model.Permission, err error) {
	scope, perm, ok := strings.Cut(strings.TrimSpace(s), "=")
	if !ok {
		return "", model.PermNone, fmt.Errorf("%w: grant %q: want scope=permission (ctx/repo=read)", model.ErrInvalid, s)
	}
	if p, err = model.ParsePermission(perm); err != nil {
		return "", model.PermNone, fmt.Errorf("grant %q: %w", s, err)
	}
	scope = strings.TrimSpace(scope)
	if err := ValidateScope(scope); err != nil {
		return "", model.PermNone, fmt.Errorf("grant %q: %w", s, err)
	}
	return scope, p, nil
}

// ValidateScope accepts "context/repo", "context/*" and model.ScopeCluster.
func ValidateScope(scope string) error {
	if scope == model.ScopeCluster {
		return nil
	}
	ctx, repo, ok := strings.Cut(scope, "/")
	if !ok {
		return fmt.Errorf("%w: scope %q: want context/repo, context/* or *", model.ErrInvalid, scope)
	}
	if err := model.ValidateContextName(ctx); err != nil {
		return err
	}
	if repo == "*" {
		return nil
	}
	return model.ValidateRepoName(repo)
}

// covers reports whether a grant on scope a applies to everything scope b names.
func covers(a, b string) bool {
	switch {
	case a == b || a == model.ScopeCluster:
		return true
	case b == model.ScopeCluster:
		return false
	}
	actx, arepo, _ := strings.Cut(a, "/")
	bctx, _, _ := strings.Cut(b, "/")
	return arepo == "*" && actx == bctx
}

// Intersect is what both a and b allow: for every pair of scopes where one
// covers the other, the narrower scope with the lower permission. A role's
// grants intersected with a token's can never exceed the token's.
func Intersect(a, b Grants) Grants {
	out := Grants{}
	add := func(scope string, p model.Permission) {
		if p > model.PermNone {
			out[scope] = max(out[scope], p)
		}
	}
	for sa, pa := range a {
		for sb, pb := range b {
			switch {
			case covers(sa, sb):
				add(sb, min(pa, pb))
			case covers(sb, sa):
				add(sa, min(pa, pb))
			}
		}
	}
	return out
}

// merge adds src into dst (highest permission per scope).
func merge(dst, src Grants) {
	for s, p := range src {
		dst[s] = max(dst[s], p)
	}
}
