package jwtauth

import (
	"maps"
	"testing"
	"time"

	"github.com/datamon-io/datamon/model"
)

func TestParseGrant(t *testing.T) {
	good := map[string]struct {
		scope string
		p     model.Permission
	}{
		"ml/models=read":     {"ml/models", model.PermRead},
		" ml/* = write ":     {"ml/*", model.PermWrite},
		"*=admin":            {"*", model.PermAdmin},
		"ctx-1/repo-2=ADMIN": {"ctx-1/repo-2", model.PermAdmin},
	}
	for s, w := range good {
		scope, p, err := ParseGrant(s)
		if err != nil || scope != w.scope || p != w.p {
			t.Errorf("ParseGrant(%q) = %q %v %v; want %q %v", s, scope, p, err, w.scope, w.p)
		}
	}
	for _, s := range []string{"", "ml/models", "ml/models=", "ml/models=none", "ml=read", "/x=read", "ml/=read",
		"ml/a/b=read", "*/*=read", "ml/a_b=read", "=read", "ml/*=owner"} {
		if _, _, err := ParseGrant(s); err == nil {
			t.Errorf("ParseGrant(%q) accepted", s)
		}
	}
}

func TestIntersect(t *testing.T) {
	r, w, a := model.PermRead, model.PermWrite, model.PermAdmin
	cases := []struct {
		name       string
		a, b, want Grants
	}{
		{"role narrower", Grants{"ml/*": w}, Grants{"ml/models": r}, Grants{"ml/models": r}},
		{"token narrower", Grants{"ml/models": w}, Grants{"ml/*": a}, Grants{"ml/models": w}},
		{"cluster", Grants{"*": a}, Grants{"ml/*": r, "x/y": w}, Grants{"ml/*": r, "x/y": w}},
		{"cluster both", Grants{"*": w}, Grants{"*": a}, Grants{"*": w}},
		{"disjoint", Grants{"ml/*": a}, Grants{"ops/logs": r}, Grants{}},
		{"other repo", Grants{"ml/a": a}, Grants{"ml/b": a}, Grants{}},
		{"empty", Grants{}, Grants{"*": a}, Grants{}},
	}
	for _, c := range cases {
		for _, swap := range []bool{false, true} {
			x, y := c.a, c.b
			if swap {
				x, y = y, x
			}
			if got := Intersect(x, y); !maps.Equal(got, c.want) {
				t.Errorf("%s (swap %v): Intersect = %v, want %v", c.name, swap, got, c.want)
			}
		}
	}
}

func TestConfigValidate(t *testing.T) {
	ok := IssuerConfig{Issuer: testIss, Audiences: []string{testAud}, JWKSURL: "https://idp/jwks"}
	bad := map[string]func(*Config){
		"no issuer":      func(c *Config) { c.Issuers[0].Issuer = "" },
		"no audience":    func(c *Config) { c.Issuers[0].Audiences = nil },
		"empty audience": func(c *Config) { c.Issuers[0].Audiences = []string{""} },
		"both jwks":      func(c *Config) { c.Issuers[0].JWKSFile = "/x" },
		"no jwks":        func(c *Config) { c.Issuers[0].JWKSURL = "" },
		"bad url":        func(c *Config) { c.Issuers[0].JWKSURL = "ftp://x/y" },
		"HS256":          func(c *Config) { c.Issuers[0].Algorithms = []string{"HS256"} },
		"none":           func(c *Config) { c.Issuers[0].Algorithms = []string{"none"} },
		"bad group":      func(c *Config) { c.Issuers[0].Groups = map[string][]string{"g": {"ml=read"}} },
		"bad default":    func(c *Config) { c.Issuers[0].DefaultGrants = []string{"x/y=root"} },
		"duplicate":      func(c *Config) { c.Issuers = append(c.Issuers, c.Issuers[0]) },
		"skew":           func(c *Config) { c.ClockSkew = time.Hour },
		"size":           func(c *Config) { c.MaxTokenSize = -1 },
	}
	for name, f := range bad {
		c := DefaultConfig()
		c.Issuers = []IssuerConfig{ok}
		f(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	c := DefaultConfig()
	c.Issuers = []IssuerConfig{ok}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}
