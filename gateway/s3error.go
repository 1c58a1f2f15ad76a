package gateway

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"

	"github.com/datamon-io/datamon/gateway/sigv4"
)

// Additional sentinels raised by the protocol layer itself (not by backends).
var (
	ErrContentSHA256Mismatch = errors.New("gateway: x-amz-content-sha256 mismatch") // 400 XAmzContentSHA256Mismatch
	ErrSignatureMismatch     = errors.New("gateway: signature does not match")      // 403 SignatureDoesNotMatch
	ErrEntityTooLarge        = errors.New("gateway: entity too large")              // 400 EntityTooLarge
)

// apiError is one S3 error answer.
type apiError struct {
	Code    string
	Message string
	Status  int
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errf(status int, code, msg string) *apiError {
	return &apiError{Code: code, Message: msg, Status: status}
}

var (
	errAccessDenied     = errf(403, "AccessDenied", "Access Denied")
	errNotImplemented   = errf(501, "NotImplemented", "A header or query you provided implies functionality that is not implemented")
	errMalformedXML     = errf(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	errInvalidKey       = errf(400, "InvalidArgument", "Invalid object key: NUL, longer than 1024 bytes, leading '/', or a '.' or '..' segment")
	errMissingLength    = errf(411, "MissingContentLength", "You must provide the Content-Length HTTP header.")
	errMethodNotAllowed = errf(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
)

type sentinelMap struct {
	err error
	api apiError
}

var sentinels = []sentinelMap{
	{ErrNoSuchBucket, apiError{"NoSuchBucket", "The specified bucket does not exist", 404}},
	{ErrNoSuchKey, apiError{"NoSuchKey", "The specified key does not exist.", 404}},
	{ErrAccessDenied, apiError{"AccessDenied", "Access Denied", 403}},
	{ErrPreconditionFailed, apiError{"PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412}},
	{ErrBucketNotEmpty, apiError{"BucketNotEmpty", "The bucket you tried to delete is not empty", 409}},
	{ErrBucketExists, apiError{"BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.", 409}},
	{ErrNoSuchUpload, apiError{"NoSuchUpload", "The specified multipart upload does not exist.", 404}},
	{ErrInvalidPart, apiError{"InvalidPart", "One or more of the specified parts could not be found.", 400}},
	{ErrInvalidPartOrder, apiError{"InvalidPartOrder", "The list of parts was not in ascending order.", 400}},
	{ErrEntityTooSmall, apiError{"EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.", 400}},
	{ErrBadDigest, apiError{"BadDigest", "The Content-MD5 or checksum you specified did not match what we received.", 400}},
	{ErrInvalidArgument, apiError{"InvalidArgument", "Invalid argument", 400}},
	{ErrInvalidBucketName, apiError{"InvalidBucketName", "The specified bucket is not valid.", 400}},
	{ErrIncompleteBody, apiError{"IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.", 400}},
	{ErrNotImplemented, apiError{"NotImplemented", "A header or query you provided implies functionality that is not implemented", 501}},
	{ErrInvalidRange, apiError{"InvalidRange", "The requested range is not satisfiable", 416}},
	{ErrSlowDown, apiError{"SlowDown", "Please reduce your request rate.", 503}},
	{ErrNotServing, apiError{"ServiceUnavailable", "This node cannot serve the request (no cluster metadata yet, or it cannot open the access key's sealed secret) and did not process it; send it to another node.", 503}},
	{ErrUnavailable, apiError{"ServiceUnavailable", "Not enough of the cluster is available right now; retry shortly.", 503}},
	{ErrContentSHA256Mismatch, apiError{"XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.", 400}},
	{ErrSignatureMismatch, apiError{"SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.", 403}},
	{ErrEntityTooLarge, apiError{"EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size.", 400}},
	{sigv4.ErrChunkSignature, apiError{"SignatureDoesNotMatch", "The chunk signature we calculated does not match the signature you provided.", 403}},
	{sigv4.ErrTrailerChecksum, apiError{"BadDigest", "The trailing checksum you specified did not match the calculated checksum.", 400}},
	{sigv4.ErrMalformedChunk, apiError{"IncompleteBody", "The aws-chunked body is malformed or truncated.", 400}},
	{sigv4.ErrChunkTooLarge, apiError{"InvalidRequest", "aws-chunked chunk too large.", 400}},
	{io.ErrUnexpectedEOF, apiError{"IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.", 400}},
}

// toAPIError maps any error to the S3 error answered for it.
func toAPIError(err error) *apiError { return classify(err, nil) }

// ErrorFor is the S3 error code and HTTP status answered for err, with
// unavailable as Config.Unavailable (nil: none). A 503 carries Retry-After.
func ErrorFor(err error, unavailable func(error) bool) (code string, status int) {
	ae := classify(err, unavailable)
	return ae.Code, ae.Status
}

// classify maps err: an *apiError or a sentinel first, then a degraded
// cluster (unavailable(err): 503 ServiceUnavailable), a cancelled or timed
// out request (503 SlowDown), and anything else — a bug — 500.
func classify(err error, unavailable func(error) bool) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			a := s.api
			if s.err == ErrInvalidArgument || s.err == ErrNotImplemented {
				a.Message = err.Error() // keep the backend's detail
			}
			return &a
		}
	}
	if unavailable != nil && unavailable(err) {
		a := sentinelAPI(ErrUnavailable)
		return &a
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return errf(503, "SlowDown", "request cancelled or timed out")
	}
	return errf(500, "InternalError", "We encountered an internal error. Please try again.")
}

func sentinelAPI(err error) apiError {
	for _, s := range sentinels {
		if s.err == err {
			return s.api
		}
	}
	panic("gateway: no S3 error for sentinel " + err.Error())
}

type xmlError struct {
	XMLName    xml.Name `xml:"Error"`
	Code       string   `xml:"Code"`
	Message    string   `xml:"Message"`
	Resource   string   `xml:"Resource,omitempty"`
	BucketName string   `xml:"BucketName,omitempty"`
	Key        string   `xml:"Key,omitempty"`
	RequestID  string   `xml:"RequestId"`
	HostID     string   `xml:"HostId"`
}

// statusText is used in logs.
func statusText(code int) string { return http.StatusText(code) }
