package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"sort"
	"strings"
	"time"
)

// EmptySHA256 is hex(sha256("")).
const EmptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// Request is what the canonical request is built from.
type Request struct {
	Method string
	// Path is the decoded request path ("/bucket/key with space").
	Path string
	// RawQuery is the query string as sent (still percent-encoded).
	RawQuery string
	// Header returns the values of a lower-case header name ("host" included).
	Header func(name string) []string
	// PayloadHash is the x-amz-content-sha256 value or UNSIGNED-PAYLOAD.
	PayloadHash string
}

// URIEncode percent-encodes s per SigV4: unreserved characters stay,
// everything else is %XX (upper case); '/' stays when keepSlash.
func URIEncode(s string, keepSlash bool) string {
	var b strings.Builder
	b.Grow(len(s))
	const hexd = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.', c == '~', c == '/' && keepSlash:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexd[c>>4])
			b.WriteByte(hexd[c&15])
		}
	}
	return b.String()
}

// CanonicalQuery sorts and re-encodes a raw query string; parameters named
// in skip (X-Amz-Signature for presigned URLs) are left out.
func CanonicalQuery(raw string, skip string) string {
	type kv struct{ k, v string }
	var kvs []kv
	for _, p := range strings.Split(raw, "&") {
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		dk, err := url.QueryUnescape(k)
		if err != nil {
			dk = k
		}
		dv, err := url.QueryUnescape(v)
		if err != nil {
			dv = v
		}
		if dk == skip && skip != "" {
			continue
		}
		kvs = append(kvs, kv{URIEncode(dk, false), URIEncode(dv, false)})
	}
	sort.Slice(kvs, func(i, j int) bool {
		if kvs[i].k != kvs[j].k {
			return kvs[i].k < kvs[j].k
		}
		return kvs[i].v < kvs[j].v
	})
	var b strings.Builder
	for i, p := range kvs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// CanonicalRequest builds the canonical request string.
func CanonicalRequest(r Request, signedHeaders []string, presigned bool) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	p := r.Path
	if p == "" {
		p = "/"
	}
	b.WriteString(URIEncode(p, true))
	b.WriteByte('\n')
	skip := ""
	if presigned {
		skip = "X-Amz-Signature"
	}
	b.WriteString(CanonicalQuery(r.RawQuery, skip))
	b.WriteByte('\n')
	for _, h := range signedHeaders {
		b.WriteString(h)
		b.WriteByte(':')
		vals := r.Header(h)
		for i, v := range vals {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(trimAll(v))
		}
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(r.PayloadHash)
	return b.String()
}

// trimAll trims and collapses sequential spaces.
func trimAll(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// StringToSign is the AWS4-HMAC-SHA256 string to sign.
func StringToSign(t time.Time, scope Scope, canonicalRequest string) string {
	h := sha256.Sum256([]byte(canonicalRequest))
	return Algorithm + "\n" + t.UTC().Format(AmzDateFormat) + "\n" + scope.String() + "\n" + hex.EncodeToString(h[:])
}

// SigningKey derives the signing key for a scope.
func SigningKey(secret string, scope Scope) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), scope.Date)
	k = hmacSHA256(k, scope.Region)
	k = hmacSHA256(k, scope.Service)
	return hmacSHA256(k, "aws4_request")
}

// Sign returns hex(HMAC(key, stringToSign)).
func Sign(key []byte, stringToSign string) string {
	return hex.EncodeToString(hmacSHA256(key, stringToSign))
}

// Equal compares two hex signatures in constant time.
func Equal(a, b string) bool {
	return hmac.Equal([]byte(strings.ToLower(a)), []byte(strings.ToLower(b)))
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

func sum256(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
