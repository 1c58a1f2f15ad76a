package semver

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	good := map[string]Version{
		"1.2.3":                    {Major: "1", Minor: "2", Patch: "3"},
		"v1.2.3":                   {Major: "1", Minor: "2", Patch: "3", V: true},
		"0.0.0":                    {Major: "0", Minor: "0", Patch: "0"},
		"v10.20.30-rc.1":           {Major: "10", Minor: "20", Patch: "30", Pre: []string{"rc", "1"}, V: true},
		"1.0.0-alpha-1+build.07":   {Major: "1", Minor: "0", Patch: "0", Pre: []string{"alpha-1"}, Build: []string{"build", "07"}},
		"1.0.0+20260101":           {Major: "1", Minor: "0", Patch: "0", Build: []string{"20260101"}},
		"99999999999999999999.0.1": {Major: "99999999999999999999", Minor: "0", Patch: "1"},
	}
	for s, want := range good {
		v, err := Parse(s)
		if err != nil {
			t.Errorf("Parse(%q): %v", s, err)
			continue
		}
		if v.String() != s || v.Major != want.Major || v.Minor != want.Minor || v.Patch != want.Patch ||
			v.V != want.V || len(v.Pre) != len(want.Pre) || len(v.Build) != len(want.Build) {
			t.Errorf("Parse(%q) = %+v, want %+v", s, v, want)
		}
	}
	for _, s := range []string{"", "v", "1", "1.2", "1.2.3.4", "01.2.3", "1.02.3", "1.2.03", "V1.2.3",
		"vv1.2.3", "1.2.3-", "1.2.3+", "1.2.3-rc..1", "1.2.3-01", "1.2.3-rc_1", "1.2.3+b..1", " 1.2.3",
		"1.2.3 ", "a.b.c", "1.2.-3", "-1.2.3", "1.2.3-é", "main", "latest", "v1.2.3+x+y"} {
		if _, err := Parse(s); !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q): %v, want ErrSyntax", s, err)
		}
		if Is(s) {
			t.Errorf("Is(%q)", s)
		}
	}
}

// FuzzParse: Parse never panics, accepted strings render back to
// themselves, and acceptance agrees with a character-level reference check.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"1.2.3", "v1.2.3-rc.1+b.7", "01.2.3", "1.2.3-", "v", "1.2.3+a+b", "1.0.0-0.3.7"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("Parse(%q): error %v does not wrap ErrSyntax", s, err)
			}
			return
		}
		if got := v.String(); got != s {
			t.Fatalf("Parse(%q).String() = %q", s, got)
		}
		for _, c := range []byte(s) {
			ok := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '.' || c == '+'
			if !ok {
				t.Fatalf("Parse(%q) accepted character %q", s, c)
			}
		}
		if v2, err := Parse(v.String()); err != nil || v2.String() != s {
			t.Fatalf("re-parse of %q: %v", s, err)
		}
	})
}
