package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/datamon-io/datamon/model"
)

// Client errors besides the model sentinels.
var (
	// ErrCorruptChunk: a chunk's bytes do not hash to its ID.
	ErrCorruptChunk = errors.New("client: corrupt chunk")
	// ErrTooLarge: the server refused the body size (413).
	ErrTooLarge = errors.New("client: request too large")
	// ErrUnavailable: no endpoint could serve the call (5xx, 503, connection errors).
	ErrUnavailable = errors.New("client: service unavailable")
	// ErrProtocol: the server's answer could not be understood.
	ErrProtocol = errors.New("client: protocol error")
	// ErrThrottled: the server refused the call (429) after too many failed
	// authentications of this key from this address; see Retry-After.
	ErrThrottled = errors.New("client: throttled after failed authentications")
)

// APIError is an error answer of the API. It unwraps to the matching
// sentinel (model.ErrNotFound, ..., ErrTooLarge, ErrUnavailable).
type APIError struct {
	Status   int
	Code     string
	Message  string
	Endpoint string
	// RetryAfter is the server's Retry-After (503: not enough of the
	// cluster is up right now); 0 when absent. The client waits at least
	// this long before its next attempt (capped by maxRetryAfter).
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return fmt.Sprintf("%s: HTTP %d %s", e.Endpoint, e.Status, e.Code)
}

// codeNotServing is the API's code for a 503 refused before any processing.
const codeNotServing = "NotServing"

// codeNodesDown is the API's code for a write refused because too few of
// its shard owners are up: not retried (it lasts until a node is back).
const codeNodesDown = "NodesDown"

// Unwrap maps the error code (or, failing that, the status) to a sentinel.
func (e *APIError) Unwrap() error {
	switch e.Code {
	case "NotFound":
		return model.ErrNotFound
	case "Exists":
		return model.ErrExists
	case "NotEmpty":
		return model.ErrNotEmpty
	case "Invalid":
		return model.ErrInvalid
	case "Precondition":
		return model.ErrPrecondition
	case "PermissionDenied":
		return model.ErrPermission
	case "Unauthenticated":
		return model.ErrUnauthenticated
	case "TooLarge":
		return ErrTooLarge
	case "Unavailable":
		return ErrUnavailable
	case codeNodesDown:
		return model.ErrNodesDown
	case "Throttled":
		return ErrThrottled
	case "RequestExpired":
		return model.ErrRequestExpired
	case "RequestReused":
		return model.ErrRequestReused
	}
	switch {
	case e.Status == http.StatusNotFound:
		return model.ErrNotFound
	case e.Status == http.StatusConflict:
		return model.ErrExists
	case e.Status == http.StatusBadRequest:
		return model.ErrInvalid
	case e.Status == http.StatusPreconditionFailed:
		return model.ErrPrecondition
	case e.Status == http.StatusForbidden:
		return model.ErrPermission
	case e.Status == http.StatusUnauthorized:
		return model.ErrUnauthenticated
	case e.Status == http.StatusRequestEntityTooLarge:
		return ErrTooLarge
	case e.Status == http.StatusTooManyRequests:
		return ErrThrottled
	case e.Status >= 500:
		return ErrUnavailable
	}
	return ErrProtocol
}

// decodeError builds an APIError from a non-2xx answer. Bodies that are not
// the JSON error envelope still give an APIError (status-based).
func decodeError(endpoint string, status int, body []byte) *APIError {
	e := &APIError{Status: status, Endpoint: endpoint}
	var env struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &env) == nil {
		e.Code, e.Message = env.Error.Code, env.Error.Message
	}
	if e.Message == "" {
		e.Message = fmt.Sprintf("%s: HTTP %d", endpoint, status)
		// A short plain-text answer says more than the status (a TLS port
		// answering an http:// URL: "Client sent an HTTP request to an HTTPS server.").
		if t := strings.TrimSpace(string(body)); t != "" && len(t) <= 200 && !strings.ContainsAny(t, "<{\n") {
			e.Message += ": " + t
		}
	}
	return e
}

// maxRetryAfter caps a server's Retry-After: a wrong or hostile value must
// not stall the client for long (the call's context bounds it too).
const maxRetryAfter = 30 * time.Second

// parseRetryAfter reads a Retry-After value in delay-seconds (the form the
// API sends) or as an HTTP date; 0 when absent or unparsable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, int64(maxRetryAfter/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), maxRetryAfter)
	}
	return 0
}
