package gateway

import (
	"fmt"
	"net"
	"strings"
	"unicode/utf8"
)

// MaxKeyLen is the longest object key in bytes.
const MaxKeyLen = 1024

// ValidBucketName applies S3's bucket naming rules for new-style buckets,
// which every strict client accepts in both path-style and
// virtual-host-style addressing: 3..63 characters of [a-z0-9.-], starting
// and ending with a letter or digit, no "..", ".-" or "-.", not shaped like
// an IPv4 address, no "xn--" / "sthree-" prefix and no "-s3alias" /
// "--ol-s3" suffix.
func ValidBucketName(b string) error {
	if len(b) < 3 || len(b) > 63 {
		return fmt.Errorf("%w: %q: length must be 3..63", ErrInvalidBucketName, b)
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return fmt.Errorf("%w: %q: character %q", ErrInvalidBucketName, b, c)
		}
	}
	if !alnum(b[0]) || !alnum(b[len(b)-1]) {
		return fmt.Errorf("%w: %q: must start and end with a letter or digit", ErrInvalidBucketName, b)
	}
	if strings.Contains(b, "..") || strings.Contains(b, ".-") || strings.Contains(b, "-.") {
		return fmt.Errorf("%w: %q: adjacent '.'/'-'", ErrInvalidBucketName, b)
	}
	if ip := net.ParseIP(b); ip != nil {
		return fmt.Errorf("%w: %q: IP address", ErrInvalidBucketName, b)
	}
	if strings.HasPrefix(b, "xn--") || strings.HasPrefix(b, "sthree-") ||
		strings.HasSuffix(b, "-s3alias") || strings.HasSuffix(b, "--ol-s3") {
		return fmt.Errorf("%w: %q: reserved prefix or suffix", ErrInvalidBucketName, b)
	}
	return nil
}

func alnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

// ValidKey checks an object key: non-empty valid UTF-8 of at most 1024
// bytes, no NUL, no leading '/', and no "." or ".." path segment (keys must
// map safely onto bundle paths).
func ValidKey(k string) error {
	switch {
	case k == "":
		return fmt.Errorf("%w: empty key", ErrInvalidArgument)
	case len(k) > MaxKeyLen:
		return fmt.Errorf("%w: key longer than %d bytes", ErrInvalidArgument, MaxKeyLen)
	case strings.IndexByte(k, 0) >= 0:
		return fmt.Errorf("%w: key contains NUL", ErrInvalidArgument)
	case !utf8.ValidString(k):
		return fmt.Errorf("%w: key is not valid UTF-8", ErrInvalidArgument)
	case k[0] == '/':
		return fmt.Errorf("%w: key starts with '/'", ErrInvalidArgument)
	}
	for _, seg := range strings.Split(k, "/") {
		if seg == "." || seg == ".." {
			return fmt.Errorf("%w: key has a %q segment", ErrInvalidArgument, seg)
		}
	}
	return nil
}

// MaxRequestBucketLen is the longest bucket name accepted in a request
// (botocore's lax rule, which aws cli and boto3 apply to path-style names).
const MaxRequestBucketLen = 255

// ValidRequestBucket checks a bucket named in a request (path, Host,
// x-amz-copy-source, POST form): 1..255 of [A-Za-z0-9._-], no "..", not
// "." — the lax rule aws cli and boto3 apply, so mixed-case names and a raw
// 27-character bundle ID reach the backend, which decides what the name
// means (answering NoSuchBucket, or InvalidBucketName on create, for names
// it cannot parse). Empty, over-long, path-traversing ("..", ".") names and
// any other byte are refused here with InvalidBucketName. ValidBucketName is
// the strict rule for names a backend offers (canonical names).
func ValidRequestBucket(b string) error {
	if len(b) < 1 || len(b) > MaxRequestBucketLen {
		return fmt.Errorf("%w: %q: length must be 1..%d", ErrInvalidBucketName, b, MaxRequestBucketLen)
	}
	if b == "." || strings.Contains(b, "..") {
		return fmt.Errorf("%w: %q: \".\" or \"..\" (path traversal)", ErrInvalidBucketName, b)
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !(alnum(c) || 'A' <= c && c <= 'Z' || c == '.' || c == '-' || c == '_') {
			return fmt.Errorf("%w: %q: character %q (allowed: letters, digits, '.', '-', '_')", ErrInvalidBucketName, b, c)
		}
	}
	return nil
}
