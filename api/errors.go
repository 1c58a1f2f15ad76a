package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// API-level errors (wrapped with context where returned).
var (
	// ErrTooLarge: the request body exceeds the route's limit.
	ErrTooLarge = errors.New("api: request body too large")
	// ErrUnavailable: the node cannot serve the request now (try another).
	ErrUnavailable = errors.New("api: service unavailable")
	// ErrRoute: no such route or method.
	ErrRoute = errors.New("api: no such route")
	// ErrMethod: the route exists but not with this method.
	ErrMethod = errors.New("api: method not allowed")
	// ErrNotServing: the node refused the request before processing any of
	// it (it holds no applied cluster metadata — removed and wiped, or not
	// caught up yet — or could not confirm an unknown access key with the
	// leader). 503 with code NotServing: the request definitely did not
	// apply here; send it to another node.
	ErrNotServing = errors.New("api: node not serving (no applied metadata)")
)

// Error codes carried in {"error": {"code": ...}}. Clients map them back to
// model sentinels.
const (
	CodeNotFound         = "NotFound"
	CodeExists           = "Exists"
	CodeInvalid          = "Invalid"
	CodePrecondition     = "Precondition"
	CodeNotEmpty         = "NotEmpty"
	CodePermission       = "PermissionDenied"
	CodeUnauthenticated  = "Unauthenticated"
	CodeTooLarge         = "TooLarge"
	CodeMethodNotAllowed = "MethodNotAllowed"
	CodeUnavailable      = "Unavailable"
	CodeNotServing       = "NotServing" // 503, not processed at all (ErrNotServing)
	CodeNodesDown        = "NodesDown"  // 503, write refused: too few owners up (model.ErrNodesDown)
	CodeInternal         = "Internal"
	CodeRequestExpired   = "RequestExpired" // 409, resend after the dedup window (model.ErrRequestExpired)
	CodeRequestReused    = "RequestReused"  // 409, request ID of another operation (model.ErrRequestReused)
)

// ErrorBody is the JSON error envelope.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of ErrorBody.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// CodeFor maps an error to an error code and HTTP status.
func CodeFor(err error, unavailable func(error) bool) (string, int) {
	switch {
	case errors.Is(err, model.ErrNotFound), errors.Is(err, ErrRoute):
		return CodeNotFound, fasthttp.StatusNotFound
	case errors.Is(err, model.ErrRequestExpired):
		return CodeRequestExpired, fasthttp.StatusConflict
	case errors.Is(err, model.ErrRequestReused):
		return CodeRequestReused, fasthttp.StatusConflict
	case errors.Is(err, model.ErrExists):
		return CodeExists, fasthttp.StatusConflict
	case errors.Is(err, model.ErrNotEmpty):
		return CodeNotEmpty, fasthttp.StatusConflict
	case errors.Is(err, model.ErrInvalid), errors.Is(err, chunk.ErrBadID):
		return CodeInvalid, fasthttp.StatusBadRequest
	case errors.Is(err, model.ErrPrecondition):
		return CodePrecondition, fasthttp.StatusPreconditionFailed
	case errors.Is(err, model.ErrPermission):
		return CodePermission, fasthttp.StatusForbidden
	case errors.Is(err, model.ErrUnauthenticated):
		return CodeUnauthenticated, fasthttp.StatusUnauthorized
	case errors.Is(err, ErrTooLarge):
		return CodeTooLarge, fasthttp.StatusRequestEntityTooLarge
	case errors.Is(err, ErrMethod):
		return CodeMethodNotAllowed, fasthttp.StatusMethodNotAllowed
	case errors.Is(err, model.ErrNodesDown):
		return CodeNodesDown, fasthttp.StatusServiceUnavailable
	case errors.Is(err, ErrNotServing):
		return CodeNotServing, fasthttp.StatusServiceUnavailable
	case errors.Is(err, ErrUnavailable), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, context.Canceled), unavailable != nil && unavailable(err):
		return CodeUnavailable, fasthttp.StatusServiceUnavailable
	default:
		return CodeInternal, fasthttp.StatusInternalServerError
	}
}

// HeaderRetryAfter is sent with every 503: not enough of the cluster is up
// right now (no leader, too few shard owners alive, node not serving yet);
// the same request may succeed after that many seconds.
const HeaderRetryAfter = "Retry-After"

// RetryAfterSeconds is d in whole seconds, rounded up, at least 1.
func RetryAfterSeconds(d time.Duration) string {
	return strconv.FormatInt(max(1, int64((d+time.Second-1)/time.Second)), 10)
}

// writeError writes the error envelope. Internal errors are logged and their
// message is not exposed beyond its text.
func (s *Server) writeError(rc *fasthttp.RequestCtx, err error) {
	code, status := CodeFor(err, s.cfg.Unavailable)
	if status >= 500 {
		s.log.Warn("request failed", "method", string(rc.Method()), "path", string(rc.Path()), "err", err)
	}
	if status == fasthttp.StatusServiceUnavailable {
		rc.Response.Header.Set(HeaderRetryAfter, RetryAfterSeconds(s.cfg.RetryAfter))
	}
	if status == fasthttp.StatusUnauthorized {
		rc.Response.Header.Set("WWW-Authenticate", "DATAMON-HMAC-SHA256")
	}
	msg := err.Error()
	var plain interface{ PlainMessage() string } // an error written for people: sent without wrapping
	if errors.As(err, &plain) {
		msg = plain.PlainMessage()
	}
	b, _ := json.Marshal(ErrorBody{Error: ErrorDetail{Code: code, Message: msg}})
	rc.Response.Header.SetContentType("application/json")
	rc.SetStatusCode(status)
	rc.SetBody(b)
}

// writeJSON writes v with status 200 (or the given status).
func (s *Server) writeJSON(rc *fasthttp.RequestCtx, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.writeError(rc, fmt.Errorf("api: encode response: %w", err))
		return
	}
	rc.Response.Header.SetContentType("application/json")
	rc.SetStatusCode(status)
	rc.SetBody(append(b, '\n'))
}

// decodeJSON decodes a JSON request body; unknown fields are ignored so
// older servers accept newer clients.
func decodeJSON(body []byte, v any) error {
	if len(body) == 0 {
		return fmt.Errorf("%w: empty request body", model.ErrInvalid)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%w: request body: %v", model.ErrInvalid, err)
	}
	return nil
}
