package sigv4

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Algorithm is the only signing algorithm supported.
const Algorithm = "AWS4-HMAC-SHA256"

// AmzDateFormat is the ISO 8601 basic format of X-Amz-Date.
const AmzDateFormat = "20060102T150405Z"

// MaxPresignExpiry is the longest X-Amz-Expires S3 accepts (7 days).
const MaxPresignExpiry = 7 * 24 * time.Hour

// Scope is the credential scope: accesskey/date/region/service/aws4_request.
type Scope struct {
	AccessKey string
	Date      string // yyyymmdd
	Region    string
	Service   string
}

// String is the scope without the access key, as used in the string to sign.
func (s Scope) String() string {
	return s.Date + "/" + s.Region + "/" + s.Service + "/aws4_request"
}

// Auth is a parsed SigV4 authorization (header or presigned query).
type Auth struct {
	Scope         Scope
	SignedHeaders []string // lower-case, sorted as sent
	Signature     string   // lower-case hex
	Presigned     bool
	Date          time.Time     // presigned only: X-Amz-Date
	Expires       time.Duration // presigned only
}

// ParseAuthorization parses an "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..." header.
func ParseAuthorization(h string) (Auth, error) {
	var a Auth
	algo, rest, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok {
		return a, fmt.Errorf("%w: no fields", ErrMalformedAuth)
	}
	if algo != Algorithm {
		return a, fmt.Errorf("%w: %q", ErrUnsupportedAlgo, algo)
	}
	var cred, signed, sig string
	var haveCred, haveSigned, haveSig bool
	for _, f := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(f), "=")
		if !ok {
			return a, fmt.Errorf("%w: field %q", ErrMalformedAuth, f)
		}
		switch k {
		case "Credential":
			cred, haveCred = v, true
		case "SignedHeaders":
			signed, haveSigned = v, true
		case "Signature":
			sig, haveSig = v, true
		default:
			return a, fmt.Errorf("%w: unknown field %q", ErrMalformedAuth, k)
		}
	}
	if !haveCred || !haveSigned || !haveSig {
		return a, fmt.Errorf("%w: missing Credential, SignedHeaders or Signature", ErrMalformedAuth)
	}
	return finish(a, cred, signed, sig)
}

// ParsePresigned parses the X-Amz-* parameters of a presigned URL.
func ParsePresigned(q url.Values) (Auth, error) {
	var a Auth
	if algo := q.Get("X-Amz-Algorithm"); algo != Algorithm {
		return a, fmt.Errorf("%w: %q", ErrUnsupportedAlgo, algo)
	}
	for _, k := range []string{"X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature"} {
		if len(q[k]) != 1 {
			return a, fmt.Errorf("%w: need exactly one %s", ErrMalformedAuth, k)
		}
	}
	t, err := ParseAmzDate(q.Get("X-Amz-Date"))
	if err != nil {
		return a, err
	}
	exp, err := strconv.ParseInt(q.Get("X-Amz-Expires"), 10, 64)
	if err != nil || exp < 0 || time.Duration(exp)*time.Second > MaxPresignExpiry {
		return a, fmt.Errorf("%w: X-Amz-Expires %q", ErrMalformedAuth, q.Get("X-Amz-Expires"))
	}
	a.Presigned, a.Date, a.Expires = true, t, time.Duration(exp)*time.Second
	return finish(a, q.Get("X-Amz-Credential"), q.Get("X-Amz-SignedHeaders"), q.Get("X-Amz-Signature"))
}

func finish(a Auth, cred, signed, sig string) (Auth, error) {
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[4] != "aws4_request" || parts[0] == "" {
		return a, fmt.Errorf("%w: credential %q", ErrMalformedAuth, cred)
	}
	if _, err := time.Parse("20060102", parts[1]); err != nil {
		return a, fmt.Errorf("%w: credential date %q", ErrMalformedAuth, parts[1])
	}
	a.Scope = Scope{AccessKey: parts[0], Date: parts[1], Region: parts[2], Service: parts[3]}
	if signed == "" {
		return a, fmt.Errorf("%w: empty SignedHeaders", ErrMalformedAuth)
	}
	a.SignedHeaders = strings.Split(signed, ";")
	for _, h := range a.SignedHeaders {
		if h == "" || h != strings.ToLower(h) || strings.ContainsAny(h, " \t:") {
			return a, fmt.Errorf("%w: signed header %q", ErrMalformedAuth, h)
		}
	}
	if len(sig) != 64 || !isHex(sig) {
		return a, fmt.Errorf("%w: signature %q", ErrMalformedAuth, sig)
	}
	a.Signature = strings.ToLower(sig)
	return a, nil
}

// ParseAmzDate parses X-Amz-Date (20060102T150405Z).
func ParseAmzDate(s string) (time.Time, error) {
	t, err := time.Parse(AmzDateFormat, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %q", ErrMalformedDate, s)
	}
	return t, nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// IsHexSHA256 reports whether s is a 64-digit hex string.
func IsHexSHA256(s string) bool { return len(s) == 64 && isHex(s) }
