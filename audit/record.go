package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Package sentinels (wrapped with context where returned).
var (
	// ErrInvalid: a bad record, query or config.
	ErrInvalid = errors.New("audit: invalid")
	// ErrClosed: the log was closed.
	ErrClosed = errors.New("audit: log closed")
	// ErrTimeout: the record was not on disk within Config.WaitTimeout.
	ErrTimeout = errors.New("audit: record not written in time")
)

// Surfaces.
const (
	SurfaceAPI = "api"
	SurfaceS3  = "s3"
	SurfaceLFS = "lfs" // Git LFS, mounted on the API port
)

// Record is one audited request.
type Record struct {
	Time time.Time `json:"time"`
	Node string    `json:"node,omitempty"`
	// Surface is "api", "s3" or "lfs".
	Surface string `json:"surface"`
	// KeyID is the access key the request was signed with (as claimed when
	// authentication failed); User is the key's user once authenticated.
	KeyID string `json:"key_id,omitempty"`
	User  string `json:"user,omitempty"`
	// Authenticated: the signature (or token) was verified.
	Authenticated bool `json:"authenticated"`
	// Refused: the request was turned away for who sent it (401, 403,
	// a malformed signature, throttled).
	Refused bool `json:"refused,omitempty"`
	// Source is the client's address (IP) as the node saw it.
	Source string `json:"source"`
	Method string `json:"method"`
	// Action is the API route pattern or the S3 operation (s3:PutObject).
	Action string `json:"action"`
	Target Target `json:"target,omitzero"`
	Status int    `json:"status"`
	// Code is the error code answered (Unauthenticated, SignatureDoesNotMatch, ...).
	Code      string `json:"code,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// Target is what a request addressed.
type Target struct {
	Context string `json:"context,omitempty"`
	Repo    string `json:"repo,omitempty"`
	Bundle  string `json:"bundle,omitempty"`
	Label   string `json:"label,omitempty"`
	Bucket  string `json:"bucket,omitempty"`
	Key     string `json:"key,omitempty"`
	// Subject names anything else a route addresses ("node/n2", "user/alice").
	Subject string `json:"subject,omitempty"`
}

// Field length caps applied by Sanitize.
const (
	maxShort = 256  // ids, names, codes, addresses
	maxLong  = 1100 // S3 keys (1024 bytes) and actions
	// MaxLine bounds one encoded record (readers refuse longer lines).
	MaxLine = 16 << 10
)

// CodeThrottled is the code recorded for a request refused by the
// brute-force limiter (answered 429 TooManyRequests or 503 SlowDown).
const CodeThrottled = "Throttled"

// Sanitize caps every string field and replaces invalid UTF-8, so that a
// hostile request cannot make a record huge or unreadable.
func (r *Record) Sanitize() {
	for _, f := range []*string{&r.Node, &r.Surface, &r.KeyID, &r.User, &r.Source, &r.Method, &r.Code, &r.RequestID,
		&r.Target.Context, &r.Target.Repo, &r.Target.Bundle, &r.Target.Label, &r.Target.Bucket, &r.Target.Subject} {
		*f = clip(*f, maxShort)
	}
	r.Action = clip(r.Action, maxLong)
	r.Target.Key = clip(r.Target.Key, maxLong)
}

func clip(s string, n int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// Encode is r as one JSON line (with the trailing newline).
func (r Record) Encode() ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("audit: encode record: %w", err)
	}
	if len(b) >= MaxLine {
		return nil, fmt.Errorf("%w: record of %d bytes", ErrInvalid, len(b))
	}
	return append(b, '\n'), nil
}

// ParseRecord parses one log line (with or without its newline). A line
// that is not a JSON object, has no time, has trailing data or is longer
// than MaxLine is ErrInvalid.
func ParseRecord(line []byte) (Record, error) {
	line = bytes.TrimRight(line, "\r\n")
	if len(line) == 0 || len(line) >= MaxLine {
		return Record{}, fmt.Errorf("%w: record line of %d bytes", ErrInvalid, len(line))
	}
	var r Record
	dec := json.NewDecoder(bytes.NewReader(line))
	if err := dec.Decode(&r); err != nil {
		return Record{}, fmt.Errorf("%w: record: %v", ErrInvalid, err)
	}
	if dec.More() {
		return Record{}, fmt.Errorf("%w: record: trailing data", ErrInvalid)
	}
	if r.Time.IsZero() {
		return Record{}, fmt.Errorf("%w: record without time", ErrInvalid)
	}
	if r.Status < 0 || r.Status > 999 {
		return Record{}, fmt.Errorf("%w: record status %d", ErrInvalid, r.Status)
	}
	return r, nil
}
