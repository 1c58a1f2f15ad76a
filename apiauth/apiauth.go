package apiauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	// Scheme is the Authorization scheme name.
	Scheme = "DATAMON-HMAC-SHA256"
	// UnsignedPayload replaces the body digest where the server allows it.
	UnsignedPayload = "UNSIGNED-PAYLOAD"
	// HeaderContentDigest carries the body digest the client signed (hex
	// SHA-256 or UNSIGNED-PAYLOAD); verifiers recompute the digest from the body.
	HeaderContentDigest = "X-Datamon-Content-Sha256"
	// DefaultSkew is the accepted clock difference between signer and verifier.
	DefaultSkew = 15 * time.Minute
	// maxHeaderLen bounds what ParseHeader looks at.
	maxHeaderLen = 4096
)

// Errors returned by ParseHeader and Verify.
var (
	// ErrMissing: no Authorization header.
	ErrMissing = errors.New("apiauth: missing authorization")
	// ErrMalformed: the header does not follow the scheme.
	ErrMalformed = errors.New("apiauth: malformed authorization")
	// ErrSkew: the signed date is too far from the verifier's clock.
	ErrSkew = errors.New("apiauth: request date outside the allowed clock skew")
	// ErrSignature: the signature does not match.
	ErrSignature = errors.New("apiauth: signature mismatch")
)

// Request is what gets signed. Query holds the decoded query parameters.
type Request struct {
	Method     string
	Path       string
	Query      url.Values
	Date       string
	BodyDigest string
}

// Header is a parsed Authorization header.
type Header struct {
	Credential string
	Date       string
	Signature  string
}

// String formats h as an Authorization header value.
func (h Header) String() string {
	return fmt.Sprintf("%s Credential=%s, Date=%s, Signature=%s", Scheme, h.Credential, h.Date, h.Signature)
}

// BodyDigest is the lowercase hex SHA-256 of body.
func BodyDigest(body []byte) string {
	s := sha256.Sum256(body)
	return hex.EncodeToString(s[:])
}

// CanonicalQuery sorts q by key and, within a key, by value, and encodes it.
// Parameters with an empty name are dropped (HTTP stacks disagree on them).
func CanonicalQuery(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	c := make(url.Values, len(q))
	for k, vs := range q {
		if k == "" {
			continue
		}
		s := append([]string(nil), vs...)
		sort.Strings(s)
		c[k] = s
	}
	return c.Encode()
}

// StringToSign builds the signed text of r.
func StringToSign(r Request) string {
	return strings.Join([]string{
		strings.ToUpper(r.Method), r.Path, CanonicalQuery(r.Query), r.Date, r.BodyDigest,
	}, "\n")
}

// Signature computes hex(HMAC-SHA256(secret, StringToSign(r))).
func Signature(secret string, r Request) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(StringToSign(r)))
	return hex.EncodeToString(m.Sum(nil))
}

// Sign returns the Authorization header value for r signed with the key.
// r.Date is set to now (RFC3339, UTC) when empty.
func Sign(accessKey, secret string, r Request, now time.Time) string {
	if r.Date == "" {
		r.Date = FormatDate(now)
	}
	return Header{Credential: accessKey, Date: r.Date, Signature: Signature(secret, r)}.String()
}

// FormatDate formats t the way Sign does.
func FormatDate(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// ParseDate accepts RFC3339 or decimal unix seconds.
func ParseDate(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 && n < 1<<40 {
		return time.Unix(n, 0), nil
	}
	return time.Time{}, fmt.Errorf("%w: bad date %q", ErrMalformed, s)
}

// CheckDate fails with ErrSkew when date is further than skew from now.
func CheckDate(date string, now time.Time, skew time.Duration) error {
	t, err := ParseDate(date)
	if err != nil {
		return err
	}
	if d := now.Sub(t); d > skew || d < -skew {
		return fmt.Errorf("%w: %s", ErrSkew, date)
	}
	return nil
}

// Verify checks h against r (whose Date is taken from h) and the key's secret.
// It does not check the date; call CheckDate for that.
func Verify(secret string, h Header, r Request) error {
	r.Date = h.Date
	want := Signature(secret, r)
	got, err := hex.DecodeString(h.Signature)
	if err != nil {
		return fmt.Errorf("%w: signature is not hex", ErrMalformed)
	}
	w, _ := hex.DecodeString(want)
	if !hmac.Equal(got, w) {
		return ErrSignature
	}
	return nil
}
