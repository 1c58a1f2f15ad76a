package reqid

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Header carries the request ID of a mutating API call.
const Header = "X-Datamon-Request-Id"

// Token length bounds and the longest ID Parse accepts.
const (
	MinToken = 16
	MaxToken = 64
	MaxLen   = 20 + 1 + MaxToken
)

// ErrBadID: a request ID does not have the documented format.
var ErrBadID = errors.New("reqid: malformed request ID")

// New returns a fresh request ID issued at now.
func New(now time.Time) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return strconv.FormatInt(now.UnixMilli(), 10) + "-" + base64.RawURLEncoding.EncodeToString(b[:])
}

// Parse checks id's format and returns its issued time (unix milliseconds).
func Parse(id string) (int64, error) {
	if len(id) > MaxLen {
		return 0, fmt.Errorf("%w: %d bytes, limit %d", ErrBadID, len(id), MaxLen)
	}
	ms, token, ok := strings.Cut(id, "-")
	if !ok {
		return 0, fmt.Errorf("%w: %q has no '-' between issued time and token", ErrBadID, id)
	}
	if ms == "" || len(ms) > 19 || ms[0] == '0' {
		return 0, fmt.Errorf("%w: issued time %q is not unix milliseconds", ErrBadID, ms)
	}
	issued := int64(0)
	for _, c := range ms {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%w: issued time %q is not decimal", ErrBadID, ms)
		}
		issued = issued*10 + int64(c-'0')
		if issued < 0 {
			return 0, fmt.Errorf("%w: issued time %q overflows", ErrBadID, ms)
		}
	}
	if len(token) < MinToken || len(token) > MaxToken {
		return 0, fmt.Errorf("%w: token of %d characters, want %d to %d", ErrBadID, len(token), MinToken, MaxToken)
	}
	for _, c := range []byte(token) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return 0, fmt.Errorf("%w: token character %q", ErrBadID, c)
		}
	}
	return issued, nil
}

// Request is one client request as the API saw it: who sent it (Scope,
// the authenticated key), its ID and issued time, and Sum, a digest of the
// request (method, path, query, body) that tells a resend from a reuse of
// the ID for another operation.
type Request struct {
	Scope  string
	ID     string
	Issued int64 // unix ms
	Sum    [sha256.Size]byte
	seq    atomic.Int32
}

// Next returns the ID of the request's next metadata command: the first
// is ID itself, later ones (a request that makes several writes) ID/2,
// ID/3, ... A resend makes the same commands in the same order, so each
// gets the same ID again.
func (r *Request) Next() string {
	n := r.seq.Add(1)
	if n == 1 {
		return r.ID
	}
	return r.ID + "/" + strconv.Itoa(int(n))
}

// Digest returns the Sum of a request from its parts.
func Digest(method, path, query string, body []byte) [sha256.Size]byte {
	h := sha256.New()
	bs := sha256.Sum256(body)
	fmt.Fprintf(h, "%s\n%s\n%s\n", method, path, query)
	h.Write(bs[:])
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}

type ctxKey struct{}

// With returns ctx carrying r.
func With(ctx context.Context, r *Request) context.Context {
	return context.WithValue(ctx, ctxKey{}, r)
}

// From returns the request carried by ctx, nil if none.
func From(ctx context.Context) *Request {
	r, _ := ctx.Value(ctxKey{}).(*Request)
	return r
}
