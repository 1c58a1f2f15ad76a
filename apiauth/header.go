package apiauth

import (
	"fmt"
	"strings"
)

// ParseHeader parses an Authorization header value of the DATAMON-HMAC-SHA256
// scheme. Fields are comma separated key=value pairs, in any order, each
// exactly once; Credential, Date and Signature are required.
func ParseHeader(v string) (Header, error) {
	if v == "" {
		return Header{}, ErrMissing
	}
	if len(v) > maxHeaderLen {
		return Header{}, fmt.Errorf("%w: header too long", ErrMalformed)
	}
	rest, ok := strings.CutPrefix(v, Scheme+" ")
	if !ok {
		return Header{}, fmt.Errorf("%w: scheme is not %s", ErrMalformed, Scheme)
	}
	var h Header
	seen := map[string]bool{}
	for _, part := range strings.Split(rest, ",") {
		part = strings.TrimSpace(part)
		k, val, ok := strings.Cut(part, "=")
		if !ok || val == "" {
			return Header{}, fmt.Errorf("%w: field %q", ErrMalformed, part)
		}
		if seen[k] {
			return Header{}, fmt.Errorf("%w: duplicate field %q", ErrMalformed, k)
		}
		seen[k] = true
		if strings.ContainsAny(val, " \t\r\n") {
			return Header{}, fmt.Errorf("%w: whitespace in field %q", ErrMalformed, k)
		}
		switch k {
		case "Credential":
			h.Credential = val
		case "Date":
			h.Date = val
		case "Signature":
			h.Signature = val
		default:
			return Header{}, fmt.Errorf("%w: unknown field %q", ErrMalformed, k)
		}
	}
	if h.Credential == "" || h.Date == "" || h.Signature == "" {
		return Header{}, fmt.Errorf("%w: Credential, Date and Signature are required", ErrMalformed)
	}
	return h, nil
}
