package gateway

import (
	"strconv"
	"strings"
)

// ParseRange parses a Range header against an object of size bytes.
// It returns nil (whole object) when h is empty or syntactically invalid
// (S3 ignores such headers) or names several ranges (S3 answers the whole
// object to a multi-range request), and ErrInvalidRange when the range
// cannot be satisfied.
func ParseRange(h string, size int64) (*Range, error) {
	h = strings.TrimSpace(h)
	spec, ok := strings.CutPrefix(h, "bytes=")
	if !ok {
		return nil, nil
	}
	if strings.Contains(spec, ",") {
		return nil, nil
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return nil, nil
	}
	num := func(s string) (int64, bool) {
		if s == "" || len(s) > 19 {
			return 0, false
		}
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return 0, false
			}
		}
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil
	}
	if first == "" { // suffix: last N bytes
		n, ok := num(last)
		if !ok {
			return nil, nil
		}
		if n == 0 || size == 0 {
			return nil, ErrInvalidRange
		}
		n = min(n, size)
		return &Range{Start: size - n, Length: n}, nil
	}
	start, ok := num(first)
	if !ok {
		return nil, nil
	}
	end := size - 1
	if last != "" {
		e, ok := num(last)
		if !ok || e < start {
			return nil, nil
		}
		end = min(e, size-1)
	}
	if start >= size {
		return nil, ErrInvalidRange
	}
	return &Range{Start: start, Length: end - start + 1}, nil
}
