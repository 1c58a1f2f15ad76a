package model

import (
	"errors"
	"strings"
	"testing"
)

func TestParseGrant(t *testing.T) {
	good := map[string]Grant{
		"demo/data=read":     {Scope: "demo/data", Permission: PermRead},
		" demo/* = write ":   {Scope: "demo/*", Permission: PermWrite},
		"*=admin":            {Scope: ScopeCluster, Permission: PermAdmin},
		"default/x-1=ADMIN":  {Scope: "default/x-1", Permission: PermAdmin},
		"ctx/repo=read\n":    {Scope: "ctx/repo", Permission: PermRead},
		"été/données=read":   {Scope: "été/données", Permission: PermRead},
		"default/demo=write": {Scope: "default/demo", Permission: PermWrite},
	}
	for in, want := range good {
		g, err := ParseGrant(in)
		if err != nil || g != want {
			t.Errorf("ParseGrant(%q) = %+v, %v; want %+v", in, g, err, want)
		}
		if back, err := ParseGrant(g.String()); err != nil || back != g {
			t.Errorf("round trip of %q: %+v, %v", g.String(), back, err)
		}
	}
	for _, in := range []string{"", "=", "demo/data", "demo/data=", "=read", "demo=read", "demo/=read",
		"/data=read", "demo/data=none", "demo/data=owner", "demo/a/b=read", "*/*=read", "**=admin",
		"demo/da ta=read", "demo/*x=read", "demo/data=read=write", "*/data=read", strings.Repeat("a", 600) + "/b=read"} {
		if g, err := ParseGrant(in); err == nil || !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseGrant(%q) = %+v, %v; want ErrInvalid", in, g, err)
		}
	}
}

func TestValidateUser(t *testing.T) {
	for _, u := range []User{{Name: "ada"}, {Name: "ci.bot_1", Email: "ci@example.com"}, {Name: "Ada-L", Email: "a.l+x@sub.example.org"}} {
		if err := ValidateUser(u); err != nil {
			t.Errorf("%+v: %v", u, err)
		}
	}
	for _, u := range []User{{}, {Name: ".x"}, {Name: "a/b"}, {Name: "a b"}, {Name: "ada", Email: "not-an-email"},
		{Name: "ada", Email: "Ada <ada@example.com>"}, {Name: "ada", Email: " ada@example.com"},
		{Name: "ada", Email: strings.Repeat("a", 250) + "@b.co"}, {Name: strings.Repeat("n", 129)}} {
		if err := ValidateUser(u); !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v accepted: %v", u, err)
		}
	}
}

// FuzzParseGrant: whatever parses round-trips through String, has a valid
// scope (no separators beyond the one '/', a "*" only as the whole scope
// or the repo part) and a real permission; whatever fails is ErrInvalid.
func FuzzParseGrant(f *testing.F) {
	for _, s := range []string{"demo/data=read", "demo/*=write", "*=admin", "demo/data", "=read", "a/b/c=read",
		"demo/data=none", " x/y = ReAd ", "*/*=read", "é/ü=admin", "a/b=read=write", "\x00/a=read"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		g, err := ParseGrant(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ParseGrant(%q): error %v is not ErrInvalid", s, err)
			}
			return
		}
		if err := ValidateGrant(g); err != nil {
			t.Fatalf("ParseGrant(%q) = %+v, invalid: %v", s, g, err)
		}
		if g.Scope != ScopeCluster {
			c, r, ok := strings.Cut(g.Scope, "/")
			if !ok || strings.ContainsAny(c, "/*=\x00 ") || strings.Contains(r, "/") || (strings.Contains(r, "*") && r != "*") {
				t.Fatalf("ParseGrant(%q): bad scope %q", s, g.Scope)
			}
		}
		back, err := ParseGrant(g.String())
		if err != nil || back != g {
			t.Fatalf("round trip %q -> %+v -> %q -> %+v, %v", s, g, g.String(), back, err)
		}
	})
}
