package manifest

import (
	"encoding/binary"
	"fmt"
	"sort"
)

// Limits on Entry.Attrs, enforced on Add and on decode.
const (
	MaxAttrs        = 64
	MaxAttrKeyLen   = 256
	MaxAttrValueLen = 8192
	MaxAttrBytes    = 16 << 10 // sum of key and value lengths
)

// Attrs (page version 2) are free-form string attributes of an entry, e.g.
// the S3 gateway's ETag, content type, user metadata and stored headers.
// Encoding after the typed part of an entry:
//
//	attrs = count (keyLen key valueLen value)*    keys strictly increasing
//
// A nil or empty map encodes as count 0 and decodes as nil.

// ValidateAttrs checks a against the limits Add enforces (ErrBadEntry).
func ValidateAttrs(a map[string]string) error {
	if err := validateAttrs(a); err != nil {
		return fmt.Errorf("%w: %v", ErrBadEntry, err)
	}
	return nil
}

func validateAttrs(a map[string]string) error {
	if len(a) > MaxAttrs {
		return fmt.Errorf("%d attrs, max %d", len(a), MaxAttrs)
	}
	total := 0
	for k, v := range a {
		if k == "" || len(k) > MaxAttrKeyLen || len(v) > MaxAttrValueLen {
			return fmt.Errorf("attr %q: key empty or too long, or value too long", k)
		}
		total += len(k) + len(v)
	}
	if total > MaxAttrBytes {
		return fmt.Errorf("attrs are %d bytes, max %d", total, MaxAttrBytes)
	}
	return nil
}

func appendAttrs(b []byte, a map[string]string) []byte {
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		b = binary.AppendUvarint(b, uint64(len(a[k])))
		b = append(b, a[k]...)
	}
	return b
}

// attrs decodes an attrs section (nil if empty); validateEntry checks limits.
func (d *decoder) attrs() map[string]string {
	n := d.uvarint("attr count")
	if d.err != nil || n == 0 {
		return nil
	}
	if n > MaxAttrs || n > uint64(d.left()/2) {
		d.fail("attr count")
		return nil
	}
	out := make(map[string]string, n)
	prev := ""
	for i := uint64(0); i < n; i++ {
		kl := d.uvarint("attr key length")
		if kl == 0 || kl > MaxAttrKeyLen {
			d.fail("attr key length")
		}
		k := string(d.next(kl, "attr key"))
		vl := d.uvarint("attr value length")
		if vl > MaxAttrValueLen {
			d.fail("attr value length")
		}
		v := string(d.next(vl, "attr value"))
		if d.err != nil {
			return nil
		}
		if i > 0 && k <= prev {
			d.fail("attr keys out of order")
			return nil
		}
		prev = k
		out[k] = v
	}
	return out
}
