package gateway

import (
	"context"
	"io"
	"time"
)

// Identity is the authenticated caller, resolved by the gateway from the
// access key (SigV4). The backend enforces per-repo permissions with it.
type Identity struct {
	AccessKey string
	Root      bool
	// Grants maps "context/repo" or "context/*" to "read", "write" or "admin"
	// (the gateway copies them from the access key).
	Grants map[string]string
	// User is the identity's user (the access key's owner, a token's
	// subject): what the audit log records; "" for the bootstrap root key.
	User  string
	Name  string // contributor name recorded on commits
	Email string
	// OldSecret, while the clock is before OldSecretUntil, also verifies
	// signatures: a rotated key's previous secret in its grace period.
	// Keys sets them; the gateway clears them once the request is
	// authenticated, so a Backend never sees a secret.
	OldSecret      string
	OldSecretUntil time.Time
	// RaftKey: the identity is an access key of the metadata store (Keys),
	// whose writes the Backend stamps with the key and SecretGen so that
	// the store refuses them at apply once the key is revoked. False for
	// bearer tokens and STS temporary credentials: their authority is the
	// token's claims until it expires, and nothing revokes it earlier.
	RaftKey bool
	// SecretGen is the generation of the secret that verified the request
	// once authenticated (Keys sets the current secret's, and OldSecretGen
	// the previous one's; the gateway keeps the one that matched).
	SecretGen    uint64
	OldSecretGen uint64
}

// signedWith is id once its signature verified with the previous secret
// (old) or the current one: secrets and the other generation cleared.
func (id Identity) signedWith(accessKey string, old bool) Identity {
	if old {
		id.SecretGen = id.OldSecretGen
	}
	id.AccessKey, id.OldSecret, id.OldSecretUntil, id.OldSecretGen = accessKey, "", time.Time{}, 0
	return id
}

// Keys resolves access keys to secrets and identities (SigV4 needs the secret).
// The gateway asks without a mark first: the answer may come from this
// node's (possibly slightly stale) state, because a write made with a key
// revoked meanwhile is refused by the metadata store at apply (see
// Identity.RaftKey). When a state-changing request's signature does not
// verify against that answer, the gateway asks again with ctx marked
// WithFreshKey: the answer must then come from linearizable state, so a
// secret just rotated in, or a key just created, works through a node
// that has not applied it yet.
type Keys interface {
	LookupKey(ctx context.Context, accessKey string) (secret string, id Identity, err error)
}

type freshKey struct{}

// WithFreshKey marks the context of a LookupKey for a state-changing
// request (see Keys).
func WithFreshKey(ctx context.Context) context.Context {
	return context.WithValue(ctx, freshKey{}, true)
}

// FreshKey reports whether ctx was marked WithFreshKey.
func FreshKey(ctx context.Context) bool { v, _ := ctx.Value(freshKey{}).(bool); return v }

// BucketInfo is one bucket in ListBuckets.
type BucketInfo struct {
	Name    string
	Created time.Time
}

// ObjectInfo describes one object.
type ObjectInfo struct {
	Key          string
	Size         int64
	ETag         string // without quotes: hex MD5 for single part, "<hex>-N" for multipart
	LastModified time.Time
	ContentType  string
	UserMeta     map[string]string // x-amz-meta-* without the prefix, lower-case keys
	// Other stored response headers (Cache-Control, Content-Disposition,
	// Content-Encoding, Content-Language, Expires) by canonical name.
	Headers map[string]string
	// UploadID is the multipart upload that made this version of the
	// object ("" if a PUT or copy did): a CompleteMultipartUpload repeated
	// after its reply was lost answers the same result, as S3 does.
	UploadID string
	// Tags are the object's tags (at most MaxTags; see ValidateTags).
	Tags map[string]string
}

// PutMeta is what a PUT / CopyObject(REPLACE) / CreateMultipartUpload records.
type PutMeta struct {
	ContentType string
	UserMeta    map[string]string
	// Headers may gain x-amz-checksum-* entries (trailer checksums) while
	// the body is read: take them after the body's last byte.
	Headers map[string]string
	// Precondition for conditional PUT (unquoted): IfMatch is an ETag the
	// current object must have ("*": the key must exist, whatever its
	// ETag); IfNoneMatch "*" means the key must not exist, an ETag that the
	// current object must not have that ETag.
	IfMatch     string
	IfNoneMatch string
	// ContentMD5, when set (raw 16 bytes), must match the body (BadDigest).
	ContentMD5 []byte
	// Tags are the object's tags (validated by the gateway).
	Tags map[string]string
}

// ListQuery is a ListObjects (v1 or v2) request, normalised.
type ListQuery struct {
	Prefix     string
	Delimiter  string
	After      string // exclusive: start-after / marker / decoded continuation token
	MaxKeys    int    // 1..1000
	FetchOwner bool
}

// ListResult is one page.
type ListResult struct {
	Objects        []ObjectInfo
	CommonPrefixes []string
	IsTruncated    bool
	// Next is the last key or common prefix returned; the gateway turns it
	// into NextMarker / NextContinuationToken.
	Next string
}

// Part is one uploaded part of a multipart upload.
type Part struct {
	Number       int
	ETag         string // hex MD5 of the part, without quotes
	Size         int64
	LastModified time.Time
	// Checksums are the part's verified x-amz-checksum-<algo> values by
	// canonical header name (X-Amz-Checksum-Crc32c, ...); may be nil.
	Checksums map[string]string
}

// Upload is one multipart upload in progress.
type Upload struct {
	Key       string
	UploadID  string
	Initiated time.Time
}

// Range is a resolved byte range [Start, Start+Length).
type Range struct {
	Start, Length int64
}

// Backend is what the gateway needs from the product: buckets are repos (and
// read-only aliases of labels and bundles), objects are files of a repo's
// working head (label + draft). Implementations return the gateway's
// sentinel errors (ErrNoSuchBucket, ErrNoSuchKey, ErrAccessDenied,
// ErrPreconditionFailed, ErrBucketNotEmpty, ErrBucketExists, ErrNoSuchUpload,
// ErrInvalidPart, ErrInvalidPartOrder, ErrEntityTooSmall, ErrBadDigest,
// ErrInvalidArgument, ErrIncompleteBody, ErrNotImplemented), possibly wrapped.
//
// Readers passed in are streamed: implementations never buffer a whole
// object. Every method is safe for concurrent use.
type Backend interface {
	ListBuckets(ctx context.Context, id Identity) ([]BucketInfo, error)
	CreateBucket(ctx context.Context, id Identity, bucket string) error
	DeleteBucket(ctx context.Context, id Identity, bucket string) error
	HeadBucket(ctx context.Context, id Identity, bucket string) error
	// GetBucketTags returns the bucket's tags (read permission; empty: the
	// bucket has none). A ref alias bucket shows its repo's.
	GetBucketTags(ctx context.Context, id Identity, bucket string) (map[string]string, error)
	// PutBucketTags replaces the bucket's tags (write permission; nil or
	// empty removes them); durable when it returns.
	PutBucketTags(ctx context.Context, id Identity, bucket string, tags map[string]string) error

	HeadObject(ctx context.Context, id Identity, bucket, key string) (ObjectInfo, error)
	// GetObject streams the object or the range of it; the caller closes the reader.
	GetObject(ctx context.Context, id Identity, bucket, key string, rng *Range) (ObjectInfo, io.ReadCloser, error)
	// PutObject stores exactly size bytes read from body (ErrIncompleteBody if
	// it ends early); nothing becomes visible unless the whole object is durable.
	PutObject(ctx context.Context, id Identity, bucket, key string, body io.Reader, size int64, meta PutMeta) (ObjectInfo, error)
	// CopyObject makes dst point at src's chunks (no data copied). meta nil:
	// keep src's metadata (COPY directive); non-nil: REPLACE.
	CopyObject(ctx context.Context, id Identity, srcBucket, srcKey, dstBucket, dstKey string, meta *PutMeta) (ObjectInfo, error)
	// DeleteObject removes key from the working head; deleting a missing key is not an error.
	DeleteObject(ctx context.Context, id Identity, bucket, key string) error
	ListObjects(ctx context.Context, id Identity, bucket string, q ListQuery) (ListResult, error)

	CreateMultipartUpload(ctx context.Context, id Identity, bucket, key string, meta PutMeta) (uploadID string, err error)
	// UploadPart stores part number (1..10000) of size bytes from body.
	// checksums (may be nil) gains the verified x-amz-checksum-* values of
	// the part, trailer ones only once the body's last byte is read: take
	// PartChecksums(checksums) after reading the body and keep them in Part.
	UploadPart(ctx context.Context, id Identity, bucket, key, uploadID string, number int, body io.Reader, size int64, contentMD5 []byte, checksums map[string]string) (Part, error)
	UploadPartCopy(ctx context.Context, id Identity, bucket, key, uploadID string, number int, srcBucket, srcKey string, rng *Range) (Part, error)
	ListParts(ctx context.Context, id Identity, bucket, key, uploadID string, after, max int) (parts []Part, truncated bool, err error)
	// CompleteMultipartUpload checks the listed parts (ETags, ascending order,
	// every part but the last >= 5 MiB) and makes the object visible atomically.
	// The object's Headers gain MultipartChecksums(upload's headers, stored parts).
	CompleteMultipartUpload(ctx context.Context, id Identity, bucket, key, uploadID string, parts []Part) (ObjectInfo, error)
	AbortMultipartUpload(ctx context.Context, id Identity, bucket, key, uploadID string) error
	ListMultipartUploads(ctx context.Context, id Identity, bucket, prefix string) ([]Upload, error)
}

// Precondition is a conditional write's If-Match / If-None-Match, unquoted,
// with PutMeta's meaning ("*" on If-Match: the key must exist; on
// If-None-Match: it must not).
type Precondition struct {
	IfMatch, IfNoneMatch string
}

// Empty reports whether p asks for nothing.
func (p Precondition) Empty() bool { return p.IfMatch == "" && p.IfNoneMatch == "" }

// ConditionalCompleter completes a multipart upload on condition of the
// key's current object, checked atomically with the completion
// (ErrPreconditionFailed, or ErrNoSuchKey for If-Match on a missing key).
// The gateway answers a conditional CompleteMultipartUpload NotImplemented
// when the backend lacks it.
type ConditionalCompleter interface {
	CompleteMultipartUploadIf(ctx context.Context, id Identity, bucket, key, uploadID string, parts []Part, cond Precondition) (ObjectInfo, error)
}

// ConditionalDeleter deletes an object on condition of its current
// version (If-Match: an ETag, or * for "it exists"), checked atomically
// with the delete: ErrPreconditionFailed, or ErrNoSuchKey when the key is
// absent. The gateway answers a conditional DeleteObject NotImplemented
// when the backend lacks it.
type ConditionalDeleter interface {
	DeleteObjectIf(ctx context.Context, id Identity, bucket, key string, cond Precondition) error
}
