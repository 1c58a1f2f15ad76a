package gateway

import "errors"

// Sentinel errors a Backend returns; the gateway maps each to its S3 error
// code and HTTP status.
var (
	ErrNoSuchBucket       = errors.New("gateway: no such bucket")        // 404 NoSuchBucket
	ErrNoSuchKey          = errors.New("gateway: no such key")           // 404 NoSuchKey
	ErrAccessDenied       = errors.New("gateway: access denied")         // 403 AccessDenied
	ErrPreconditionFailed = errors.New("gateway: precondition failed")   // 412 PreconditionFailed
	ErrBucketNotEmpty     = errors.New("gateway: bucket not empty")      // 409 BucketNotEmpty
	ErrBucketExists       = errors.New("gateway: bucket already exists") // 409 BucketAlreadyOwnedByYou
	ErrNoSuchUpload       = errors.New("gateway: no such upload")        // 404 NoSuchUpload
	ErrInvalidPart        = errors.New("gateway: invalid part")          // 400 InvalidPart
	ErrInvalidPartOrder   = errors.New("gateway: invalid part order")    // 400 InvalidPartOrder
	ErrEntityTooSmall     = errors.New("gateway: entity too small")      // 400 EntityTooSmall
	ErrBadDigest          = errors.New("gateway: bad digest")            // 400 BadDigest
	ErrInvalidArgument    = errors.New("gateway: invalid argument")      // 400 InvalidArgument
	ErrInvalidBucketName  = errors.New("gateway: invalid bucket name")   // 400 InvalidBucketName
	ErrIncompleteBody     = errors.New("gateway: incomplete body")       // 400 IncompleteBody
	ErrNotImplemented     = errors.New("gateway: not implemented")       // 501 NotImplemented
	ErrInvalidRange       = errors.New("gateway: invalid range")         // 416 InvalidRange
	ErrSlowDown           = errors.New("gateway: slow down")             // 503 SlowDown
	// ErrNotServing: the node refused the request before processing any of
	// it (no applied cluster metadata); 503 ServiceUnavailable, send it to
	// another node.
	ErrNotServing = errors.New("gateway: node not serving") // 503 ServiceUnavailable
	// ErrUnavailable: not enough of the cluster is up right now (too few
	// shard owners alive, no leader, no quorum); 503 ServiceUnavailable
	// with Retry-After: the same request may succeed shortly. A Backend
	// wraps it, or Config.Unavailable recognises the backend's own errors.
	ErrUnavailable = errors.New("gateway: service unavailable") // 503 ServiceUnavailable
)
