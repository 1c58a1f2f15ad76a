package sigv2

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"net/url"
	"sort"
	"strings"
)

// ErrMalformed is returned for an Authorization header that is not
// "AWS <access key>:<signature>".
var ErrMalformed = errors.New("sigv2: malformed authorization")

// subresources are the query parameters that belong to the canonical
// resource (AWS's list plus the newer sub-resources), in sorted order.
var subresources = []string{
	"accelerate", "acl", "analytics", "attributes", "cors", "delete", "encryption", "intelligent-tiering",
	"inventory", "legal-hold", "lifecycle", "location", "logging", "metrics", "notification",
	"object-lock", "ownershipControls", "partNumber", "policy", "policyStatus", "publicAccessBlock",
	"replication", "requestPayment", "response-cache-control", "response-content-disposition",
	"response-content-encoding", "response-content-language", "response-content-type", "response-expires",
	"restore", "retention", "select", "select-type", "tagging", "torrent", "uploadId", "uploads",
	"versionId", "versioning", "versions", "website",
}

func init() { sort.Strings(subresources) }

// ParseAuthorization splits "AWS <access key>:<signature>".
func ParseAuthorization(h string) (accessKey, signature string, err error) {
	rest, ok := strings.CutPrefix(h, "AWS ")
	if !ok {
		return "", "", ErrMalformed
	}
	ak, sig, ok := strings.Cut(strings.TrimSpace(rest), ":")
	if !ok || ak == "" || sig == "" || strings.ContainsAny(ak, " \t") {
		return "", "", ErrMalformed
	}
	return ak, sig, nil
}

// CanonicalResource is the signed resource: bucketPrefix ("/bucket" for a
// virtual-host-style request, "" for path style), the request path as
// sent (still URI-encoded, without the query), and the sub-resources of
// query, sorted, with their decoded values.
func CanonicalResource(bucketPrefix, rawPath string, query url.Values) string {
	var b strings.Builder
	b.WriteString(bucketPrefix)
	b.WriteString(rawPath)
	sep := byte('?')
	for _, k := range subresources {
		vs, ok := query[k]
		if !ok {
			continue
		}
		b.WriteByte(sep)
		sep = '&'
		b.WriteString(k)
		if len(vs) > 0 && vs[0] != "" {
			b.WriteByte('=')
			b.WriteString(vs[0])
		}
	}
	return b.String()
}

// CanonicalAmzHeaders is the x-amz-* part of the string to sign: header
// names lower-cased and sorted, repeated values joined with ",", each
// "name:value\n". header returns every value of a lower-case name; names
// lists the request's header names (any case).
func CanonicalAmzHeaders(names []string, header func(lower string) []string) string {
	seen := map[string]bool{}
	var amz []string
	for _, n := range names {
		l := strings.ToLower(n)
		if strings.HasPrefix(l, "x-amz-") && !seen[l] {
			seen[l] = true
			amz = append(amz, l)
		}
	}
	sort.Strings(amz)
	var b strings.Builder
	for _, n := range amz {
		vs := header(n)
		for i, v := range vs {
			vs[i] = strings.Join(strings.Fields(v), " ") // unfold and trim
		}
		b.WriteString(n)
		b.WriteByte(':')
		b.WriteString(strings.Join(vs, ","))
		b.WriteByte('\n')
	}
	return b.String()
}

// StringToSign is SigV2's string to sign. date is the Date header (empty
// when x-amz-date is sent: it is among the amz headers then), or the
// Expires value of a presigned URL.
func StringToSign(method, contentMD5, contentType, date, amzHeaders, resource string) string {
	return method + "\n" + contentMD5 + "\n" + contentType + "\n" + date + "\n" + amzHeaders + resource
}

// Sign is base64(HMAC-SHA1(secret, stringToSign)).
func Sign(secret, stringToSign string) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Equal compares two signatures in constant time.
func Equal(a, b string) bool { return hmac.Equal([]byte(a), []byte(b)) }
