package jwtauth

import (
	"errors"
	"testing"

	"github.com/datamon-io/datamon/model"
)

// FuzzParseGrant: the grant strings of the node config (groups and STS
// roles) never panic the parser; a refusal wraps model.ErrInvalid, and
// what is accepted is a valid scope with a real permission that formats
// back to itself.
func FuzzParseGrant(f *testing.F) {
	for _, s := range []string{"default/data=read", " ml/* = write ", "*=admin", "*=none", "a/b/c=read", "=read", "x=", "ctx/=read", "ctx/*", "ctx/r=ADMIN", "ctx/r=read=write"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		scope, p, err := ParseGrant(s)
		if err != nil {
			if !errors.Is(err, model.ErrInvalid) {
				t.Fatalf("ParseGrant(%q): %v does not wrap ErrInvalid", s, err)
			}
			return
		}
		if ValidateScope(scope) != nil || p < model.PermRead || p > model.PermAdmin {
			t.Fatalf("ParseGrant(%q) = %q %v", s, scope, p)
		}
		scope2, p2, err := ParseGrant(scope + "=" + p.String())
		if err != nil || scope2 != scope || p2 != p {
			t.Fatalf("%q=%v does not parse back: %q %v %v", scope, p, scope2, p2, err)
		}
	})
}
