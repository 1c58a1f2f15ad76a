package semver

import (
	"errors"
	"fmt"
	"strings"
)

// ErrSyntax: the string is not a semantic version.
var ErrSyntax = errors.New("semver: not a semantic version")

// maxLen bounds the input: label names are short, and a bound keeps the
// parser's cost trivially linear.
const maxLen = 256

// Version is a parsed semantic version. Numeric parts are kept as their
// decimal strings (no leading zeros), so arbitrarily large numbers parse.
type Version struct {
	Major, Minor, Patch string
	// Pre is the pre-release identifiers ("rc", "1" for "-rc.1"); nil if none.
	Pre []string
	// Build is the build metadata identifiers; nil if none.
	Build []string
	// V is set when the string had a leading "v".
	V bool
}

// Parse parses s: an optional "v", MAJOR.MINOR.PATCH (decimal, no leading
// zeros), then optionally "-" and dot-separated pre-release identifiers
// ([0-9A-Za-z-], numeric ones without leading zeros), then optionally "+"
// and dot-separated build identifiers ([0-9A-Za-z-], leading zeros allowed).
// Errors wrap ErrSyntax.
func Parse(s string) (Version, error) {
	var v Version
	if len(s) > maxLen {
		return v, fmt.Errorf("%w: longer than %d bytes", ErrSyntax, maxLen)
	}
	rest := s
	if strings.HasPrefix(rest, "v") {
		v.V, rest = true, rest[1:]
	}
	if i := strings.IndexByte(rest, '+'); i >= 0 {
		ids, err := identifiers(rest[i+1:], false)
		if err != nil {
			return Version{}, fmt.Errorf("%w: %q: build metadata: %w", ErrSyntax, s, err)
		}
		v.Build, rest = ids, rest[:i]
	}
	if i := strings.IndexByte(rest, '-'); i >= 0 {
		ids, err := identifiers(rest[i+1:], true)
		if err != nil {
			return Version{}, fmt.Errorf("%w: %q: pre-release: %w", ErrSyntax, s, err)
		}
		v.Pre, rest = ids, rest[:i]
	}
	core := strings.Split(rest, ".")
	if len(core) != 3 {
		return Version{}, fmt.Errorf("%w: %q: want MAJOR.MINOR.PATCH", ErrSyntax, s)
	}
	for _, n := range core {
		if !isNumber(n) {
			return Version{}, fmt.Errorf("%w: %q: %q is not a number without leading zeros", ErrSyntax, s, n)
		}
	}
	v.Major, v.Minor, v.Patch = core[0], core[1], core[2]
	return v, nil
}

// Is reports whether s parses as a semantic version.
func Is(s string) bool {
	_, err := Parse(s)
	return err == nil
}

// String renders v; String(Parse(s)) == s for every accepted s.
func (v Version) String() string {
	var b strings.Builder
	if v.V {
		b.WriteByte('v')
	}
	b.WriteString(v.Major + "." + v.Minor + "." + v.Patch)
	if v.Pre != nil {
		b.WriteString("-" + strings.Join(v.Pre, "."))
	}
	if v.Build != nil {
		b.WriteString("+" + strings.Join(v.Build, "."))
	}
	return b.String()
}

// identifiers splits a dot-separated list of non-empty [0-9A-Za-z-]
// identifiers; pre-release numeric identifiers may not have leading zeros.
func identifiers(s string, pre bool) ([]string, error) {
	ids := strings.Split(s, ".")
	for _, id := range ids {
		if id == "" {
			return nil, errors.New("empty identifier")
		}
		numeric := true
		for i := 0; i < len(id); i++ {
			c := id[i]
			switch {
			case c >= '0' && c <= '9':
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-':
				numeric = false
			default:
				return nil, fmt.Errorf("identifier %q: character %q", id, c)
			}
		}
		if pre && numeric && !isNumber(id) {
			return nil, fmt.Errorf("numeric identifier %q has a leading zero", id)
		}
	}
	return ids, nil
}

// isNumber: non-empty decimal digits, no leading zero (except "0").
func isNumber(s string) bool {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
