package lfs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/datamon-io/datamon/model"
)

// MediaType is the Git LFS API content type.
const MediaType = "application/vnd.git-lfs+json"

// Ref is the git ref a request is made for (informational here).
type Ref struct {
	Name string `json:"name"`
}

// ObjectSpec names an object in a batch request.
type ObjectSpec struct {
	OID  string `json:"oid"`
	Size int64  `json:"size"`
}

// BatchRequest is POST …/objects/batch.
type BatchRequest struct {
	Operation string       `json:"operation"`
	Transfers []string     `json:"transfers,omitempty"`
	Ref       *Ref         `json:"ref,omitempty"`
	Objects   []ObjectSpec `json:"objects"`
	HashAlgo  string       `json:"hash_algo,omitempty"`
}

// Action is one transfer step of an object.
type Action struct {
	Href      string            `json:"href"`
	Header    map[string]string `json:"header,omitempty"`
	ExpiresIn int64             `json:"expires_in,omitempty"`
	ExpiresAt time.Time         `json:"expires_at,omitzero"`
}

// ObjectError is a per-object error of a batch response.
type ObjectError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// ObjectResult is one object of a batch response.
type ObjectResult struct {
	OID           string             `json:"oid"`
	Size          int64              `json:"size"`
	Authenticated bool               `json:"authenticated,omitempty"`
	Actions       map[string]*Action `json:"actions,omitempty"`
	Error         *ObjectError       `json:"error,omitempty"`
}

// BatchResponse answers a batch request.
type BatchResponse struct {
	Transfer string         `json:"transfer"`
	Objects  []ObjectResult `json:"objects"`
	HashAlgo string         `json:"hash_algo"`
}

// ErrorBody is the Git LFS error envelope.
type ErrorBody struct {
	Message          string `json:"message"`
	DocumentationURL string `json:"documentation_url,omitempty"`
	RequestID        string `json:"request_id,omitempty"`
}

// decodeStrict decodes one JSON value, refusing trailing data.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: trailing data after the JSON body", ErrBadRequest)
	}
	return nil
}

// ParseBatchRequest parses and checks a batch request: operation upload
// or download, hash_algo sha256 (or absent: ErrHashAlgo otherwise), the
// basic adapter among transfers (when any are listed), at most
// maxObjects objects (ErrTooMany). OIDs and sizes are checked per object
// by the handler (a bad one is a per-object 422, not a failed batch).
func ParseBatchRequest(b []byte, maxObjects int) (BatchRequest, error) {
	var r BatchRequest
	if err := decodeStrict(b, &r); err != nil {
		return r, err
	}
	switch r.Operation {
	case "upload", "download":
	default:
		return r, fmt.Errorf("%w: operation %q: want upload or download", ErrBadRequest, r.Operation)
	}
	if r.HashAlgo != "" && r.HashAlgo != "sha256" {
		return r, fmt.Errorf("%w: %q (only sha256)", ErrHashAlgo, r.HashAlgo)
	}
	if len(r.Transfers) > 0 {
		basic := false
		for _, t := range r.Transfers {
			basic = basic || t == "basic"
		}
		if !basic {
			return r, fmt.Errorf("%w: transfers %q: only basic is served", ErrBadRequest, r.Transfers)
		}
	}
	if len(r.Objects) > maxObjects {
		return r, fmt.Errorf("%w: %d objects, limit %d (send them in smaller batches)", ErrTooMany, len(r.Objects), maxObjects)
	}
	return r, nil
}

// checkObject is the per-object check of a batch: nil, or a 422 error.
func checkObject(o ObjectSpec, maxSize int64) *ObjectError {
	switch {
	case !model.ValidLFSOID(o.OID):
		return &ObjectError{Code: 422, Message: fmt.Sprintf("invalid OID %q: want 64 lowercase hex digits (sha256)", o.OID)}
	case o.Size < 0:
		return &ObjectError{Code: 422, Message: fmt.Sprintf("invalid size %d", o.Size)}
	case o.Size > maxSize:
		return &ObjectError{Code: 422, Message: fmt.Sprintf("size %d exceeds the server's limit of %d bytes", o.Size, maxSize)}
	}
	return nil
}
