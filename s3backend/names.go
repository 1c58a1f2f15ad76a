package s3backend

import (
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"

	"github.com/datamon-io/datamon/gateway"
	"github.com/datamon-io/datamon/model"
)

// Bucket name syntax: see doc.go.
const (
	hexPrefix    = "x--"
	labelSep     = "--label--"
	bundleSep    = "--bundle--"
	base62Digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	bundleIDLen  = 27
	bundleRawLen = 20
)

var b32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Ref is a parsed bucket name: a repo, or a read-only alias of one of its
// labels or bundles.
type Ref struct {
	Context, Repo string
	Label         string // alias of a label
	Bundle        string // alias of a bundle (27-char ID)
}

// ReadOnly reports whether the bucket is a ref alias.
func (r Ref) ReadOnly() bool { return r.Label != "" || r.Bundle != "" }

// plainOK reports whether name can be written as is.
func plainOK(name string, dots bool) bool {
	if name == "" || strings.Contains(name, "--") || name[len(name)-1] == '-' || name[0] == '-' {
		return false
	}
	if strings.HasPrefix(name, "xn--") || strings.Contains(name, "..") ||
		strings.Contains(name, ".-") || strings.Contains(name, "-.") {
		return false
	}
	for _, r := range name {
		ok := (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '-' || (dots && r == '.')
		if !ok {
			return false
		}
	}
	return true
}

func encodeName(name string, dots bool, minLen int) string {
	if plainOK(name, dots) && len(name) >= minLen {
		return name
	}
	return hexPrefix + hex.EncodeToString([]byte(name))
}

func decodeName(s string) (string, error) {
	if !strings.HasPrefix(s, hexPrefix) {
		return s, nil
	}
	b, err := hex.DecodeString(s[len(hexPrefix):])
	if err != nil || len(b) == 0 {
		return "", fmt.Errorf("%w: bad hex name %q", gateway.ErrNoSuchBucket, s)
	}
	return string(b), nil
}

// BucketName returns the canonical bucket name of a repo or alias.
func BucketName(r Ref) string {
	var b strings.Builder
	minRepo := 3
	if r.Context != "" && r.Context != model.DefaultContext {
		b.WriteString(encodeName(r.Context, false, 1))
		b.WriteByte('.')
		minRepo = 1
	}
	b.WriteString(encodeName(r.Repo, false, minRepo))
	switch {
	case r.Label != "":
		b.WriteString(labelSep)
		b.WriteString(encodeName(r.Label, true, 1))
	case r.Bundle != "":
		b.WriteString(bundleSep)
		if raw, ok := bundleRaw(r.Bundle); ok {
			b.WriteString(b32.EncodeToString(raw))
		} else {
			b.WriteString(encodeName(r.Bundle, false, 1))
		}
	}
	return b.String()
}

// RawBucketName returns the bucket name that writes every part as is (the
// context part omitted for the default context, the bundle's 27-character
// ID): the form lax path-style clients (aws cli, boto3) accept for
// mixed-case names. ok is false when that form is not a valid request
// bucket name or would not parse back to r (e.g. a repo name containing
// "--label--" or starting with "x--", non-ASCII names): use BucketName.
func RawBucketName(r Ref) (string, bool) {
	var b strings.Builder
	if r.Context != "" && r.Context != model.DefaultContext {
		b.WriteString(r.Context)
		b.WriteByte('.')
	}
	b.WriteString(r.Repo)
	switch {
	case r.Label != "":
		b.WriteString(labelSep)
		b.WriteString(r.Label)
	case r.Bundle != "":
		b.WriteString(bundleSep)
		b.WriteString(r.Bundle)
	}
	name := b.String()
	if gateway.ValidRequestBucket(name) != nil {
		return "", false
	}
	back, err := ParseBucket(name)
	if err != nil || back != canonicalRef(r) {
		return "", false
	}
	return name, true
}

// canonicalRef is r as ParseBucket returns it (context filled in).
func canonicalRef(r Ref) Ref {
	if r.Context == "" {
		r.Context = model.DefaultContext
	}
	return r
}

// ParseBucket maps a bucket name to a Ref (gateway.ErrNoSuchBucket if it
// cannot name anything).
func ParseBucket(bucket string) (Ref, error) {
	var r Ref
	head, alias := bucket, ""
	kind := byte(0)
	if i := strings.Index(bucket, labelSep); i >= 0 {
		head, alias, kind = bucket[:i], bucket[i+len(labelSep):], 'l'
	} else if i := strings.Index(bucket, bundleSep); i >= 0 {
		head, alias, kind = bucket[:i], bucket[i+len(bundleSep):], 'b'
	}
	ctxPart, repoPart, dotted := strings.Cut(head, ".")
	if !dotted {
		ctxPart, repoPart = model.DefaultContext, head
	}
	var err error
	if r.Context, err = decodeName(ctxPart); err != nil {
		return r, err
	}
	if r.Repo, err = decodeName(repoPart); err != nil {
		return r, err
	}
	if model.ValidateContextName(r.Context) != nil || model.ValidateRepoName(r.Repo) != nil {
		return r, fmt.Errorf("%w: %q", gateway.ErrNoSuchBucket, bucket)
	}
	switch kind {
	case 'l':
		if r.Label, err = decodeName(alias); err != nil {
			return r, err
		}
		if model.ValidateLabelName(r.Label) != nil {
			return r, fmt.Errorf("%w: label in %q", gateway.ErrNoSuchBucket, bucket)
		}
	case 'b':
		if r.Bundle, err = parseBundle(alias); err != nil {
			return r, fmt.Errorf("%w: bundle in %q", gateway.ErrNoSuchBucket, bucket)
		}
	}
	return r, nil
}

func parseBundle(s string) (string, error) {
	if len(s) == bundleIDLen {
		if _, ok := bundleRaw(s); ok {
			return s, nil
		}
	}
	raw, err := b32.DecodeString(s)
	if err != nil || len(raw) != bundleRawLen {
		return "", fmt.Errorf("bad bundle %q", s)
	}
	return encodeBase62(raw), nil
}

// bundleRaw decodes a 27-char base62 bundle ID into its 20 bytes.
func bundleRaw(id string) ([]byte, bool) {
	if len(id) != bundleIDLen {
		return nil, false
	}
	n := new(big.Int)
	for i := 0; i < len(id); i++ {
		d := strings.IndexByte(base62Digits, id[i])
		if d < 0 {
			return nil, false
		}
		n.Mul(n, big.NewInt(62))
		n.Add(n, big.NewInt(int64(d)))
	}
	if n.BitLen() > 8*bundleRawLen {
		return nil, false
	}
	return n.FillBytes(make([]byte, bundleRawLen)), true
}

func encodeBase62(raw []byte) string {
	n := new(big.Int).SetBytes(raw)
	out := make([]byte, bundleIDLen)
	base, rem := big.NewInt(62), new(big.Int)
	for i := bundleIDLen - 1; i >= 0; i-- {
		n.QuoRem(n, base, rem)
		out[i] = base62Digits[rem.Int64()]
	}
	return string(out)
}
