package api

import (
	"errors"
	"strings"
	"testing"

	"github.com/datamon-io/datamon/model"
)

// FuzzParseGrant: whatever parseGrant accepts has a valid scope and a
// permission of read, write or admin, and its text form parses back to the
// same grant; whatever it refuses is model.ErrInvalid.
func FuzzParseGrant(f *testing.F) {
	for _, s := range []string{"default/r1=read", " demo/* = write ", "*=admin", "*=none", "a/b", "a=read",
		"a/b/c=read", "/=read", "a/=read", "a/b=ADMIN", "=", "a/b==read", "ä/ö=read", strings.Repeat("a", 700) + "/b=read"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		scope, p, err := parseGrant(s)
		if err != nil {
			if !errors.Is(err, model.ErrInvalid) {
				t.Fatalf("%q: error not ErrInvalid: %v", s, err)
			}
			return
		}
		if p < model.PermRead || p > model.PermAdmin {
			t.Fatalf("%q: permission %v", s, p)
		}
		if err := validateScope(scope); err != nil {
			t.Fatalf("%q: accepted scope %q: %v", s, scope, err)
		}
		if strings.ContainsAny(scope, "= \t") {
			t.Fatalf("%q: scope %q has '=' or spaces", s, scope)
		}
		s2, p2, err := parseGrant(scope + "=" + p.String())
		if err != nil || s2 != scope || p2 != p {
			t.Fatalf("%q: round trip %q %v %v", s, s2, p2, err)
		}
	})
}

// FuzzParseGrace: an accepted grace is within 0..MaxRotateGrace.
func FuzzParseGrace(f *testing.F) {
	for _, s := range []string{"", "0s", "1h", "90s", "-1s", "168h", "168h0m1s", "1e9h", "soon", "1.5h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseGrace(s)
		if err != nil {
			if !errors.Is(err, model.ErrInvalid) {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if d < 0 || d > MaxRotateGrace {
			t.Fatalf("%q: accepted %v", s, d)
		}
	})
}

// Generated IDs and secrets have the documented form and do not repeat.
func TestKeygen(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id, sec := newKeyID(), newSecret()
		if len(id) != KeyIDLen || !strings.HasPrefix(id, keyIDPrefix) || len(sec) != KeySecretLen || validateKeyID(id) != nil {
			t.Fatalf("id %q secret %q", id, sec)
		}
		for _, c := range id[2:] {
			if !strings.ContainsRune(idAlphabet, c) {
				t.Fatalf("id %q", id)
			}
		}
		for _, c := range sec {
			if !strings.ContainsRune(secAlphabet, c) {
				t.Fatalf("secret %q", sec)
			}
		}
		if seen[id] || seen[sec] {
			t.Fatalf("repeated %q / %q", id, sec)
		}
		seen[id], seen[sec] = true, true
	}
}
