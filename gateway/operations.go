package gateway

// Level is the part of the path an operation acts on.
type Level string

// The levels: "/" (the service), "/bucket", "/bucket/key".
const (
	LevelService Level = "service"
	LevelBucket  Level = "bucket"
	LevelObject  Level = "object"
)

// Operation describes one S3 operation the gateway implements, for
// documentation and for tests that must cover every operation (the auth
// matrix). It is a read-only view of the table dispatch routes with.
type Operation struct {
	Name   string // the S3 API name, e.g. "PutObject"
	Method string
	Level  Level
	// Match is the sub-resource, query or header predicate that selects
	// the operation among those of the same method and level ("" when it
	// is the default), e.g. "?uploads", "x-amz-copy-source".
	Match string
	// Perm is the permission on the bucket's repo the backend requires:
	// "read", "write" or "admin"; "" for ListBuckets (any authenticated
	// key, filtered to the buckets it may read) and for the operations
	// that authenticate from their body (PreAuth).
	Perm string
	// PreAuth marks the requests answered before SigV4 authentication:
	// STS (the web identity token is the credential) and the browser
	// POST upload (the signed policy in the form is).
	PreAuth bool
}

// op is one row of the dispatch table: the first row whose level, method
// and predicate match runs. Rows with an empty name answer an error (a
// refusal, not an implemented operation) and are not listed by Operations.
type op struct {
	Operation
	when func(r *req) bool // nil: always
	run  func(r *req) error
}

func has(k string) func(r *req) bool { return func(r *req) bool { return r.query.Has(k) } }

func copySource(r *req) bool { return r.header("X-Amz-Copy-Source") != "" }

func partOp(r *req) bool { return r.query.Has("uploadId") || r.query.Has("partNumber") }

func refuse(e error) func(r *req) error { return func(*req) error { return e } }

func row(name, method string, lv Level, match, perm string, when func(*req) bool, run func(*req) error) op {
	return op{Operation: Operation{Name: name, Method: method, Level: lv, Match: match, Perm: perm}, when: when, run: run}
}

// ops is the dispatch table, in match order within each level and method.
var ops = []op{
	row("", "GET", LevelService, "?tagging", "", has("tagging"), refuse(notImplemented("?tagging on the service"))),
	row("ListBuckets", "GET", LevelService, "", "", nil, (*req).listBuckets),

	// Tagging (tags.go, tagging_ops.go) comes first at each level: ?tagging
	// selects it whatever else the request carries.
	row("GetBucketTagging", "GET", LevelBucket, "?tagging", "read", has("tagging"), (*req).getBucketTagging),
	row("PutBucketTagging", "PUT", LevelBucket, "?tagging", "write", has("tagging"), (*req).putBucketTagging),
	row("DeleteBucketTagging", "DELETE", LevelBucket, "?tagging", "write", has("tagging"), (*req).deleteBucketTagging),
	row("", "HEAD", LevelBucket, "?tagging", "", has("tagging"), refuse(errMethodNotAllowed)),
	row("", "POST", LevelBucket, "?tagging", "", has("tagging"), refuse(errMethodNotAllowed)),
	row("GetObjectTagging", "GET", LevelObject, "?tagging", "read", has("tagging"), (*req).getObjectTagging),
	row("PutObjectTagging", "PUT", LevelObject, "?tagging", "write", has("tagging"), (*req).putObjectTagging),
	row("DeleteObjectTagging", "DELETE", LevelObject, "?tagging", "write", has("tagging"),
		func(r *req) error { return r.setObjectTags(nil, 204) }),
	row("", "HEAD", LevelObject, "?tagging", "", has("tagging"), refuse(errMethodNotAllowed)),
	row("", "POST", LevelObject, "?tagging", "", has("tagging"), refuse(errMethodNotAllowed)),

	row("GetBucketLocation", "GET", LevelBucket, "?location", "read", has("location"), (*req).getBucketLocation),
	row("GetBucketVersioning", "GET", LevelBucket, "?versioning", "read", has("versioning"), (*req).getBucketVersioning),
	row("GetBucketAcl", "GET", LevelBucket, "?acl", "read", has("acl"), (*req).getACL),
	row("ListMultipartUploads", "GET", LevelBucket, "?uploads", "read", has("uploads"), (*req).listMultipartUploads),
	row("ListObjectsV2", "GET", LevelBucket, "?list-type=2", "read",
		func(r *req) bool { return r.query.Get("list-type") == "2" }, func(r *req) error { return r.listObjects(true) }),
	row("", "GET", LevelBucket, "?list-type", "", has("list-type"), refuse(errf(400, "InvalidArgument", "list-type must be 2"))),
	row("ListObjects", "GET", LevelBucket, "", "read", nil, func(r *req) error { return r.listObjects(false) }),
	row("HeadBucket", "HEAD", LevelBucket, "", "read", nil, (*req).headBucket),
	row("PutBucketAcl", "PUT", LevelBucket, "?acl", "write", has("acl"), (*req).putACL),
	row("", "PUT", LevelBucket, "?versioning", "", has("versioning"),
		refuse(errf(501, "NotImplemented", "bucket versioning is not implemented"))),
	row("CreateBucket", "PUT", LevelBucket, "", "admin", nil, (*req).createBucket),
	row("DeleteBucket", "DELETE", LevelBucket, "", "admin", nil, (*req).deleteBucket),
	row("DeleteObjects", "POST", LevelBucket, "?delete", "write", has("delete"), (*req).deleteObjects),
	row("", "POST", LevelBucket, "", "", nil, refuse(errf(501, "NotImplemented", "POST on a bucket is only implemented for ?delete"))),

	row("ListParts", "GET", LevelObject, "?uploadId", "read", has("uploadId"), (*req).listParts),
	row("GetObjectAcl", "GET", LevelObject, "?acl", "read", has("acl"), (*req).getObjectACL),
	row("GetObject", "GET", LevelObject, "", "read", nil, func(r *req) error { return r.getObject(false) }),
	row("HeadObject", "HEAD", LevelObject, "", "read", nil, func(r *req) error { return r.getObject(true) }),
	row("PutObjectAcl", "PUT", LevelObject, "?acl", "write", has("acl"), (*req).putACL),
	row("UploadPartCopy", "PUT", LevelObject, "?uploadId|?partNumber + x-amz-copy-source", "write",
		func(r *req) bool { return partOp(r) && copySource(r) }, (*req).uploadPartCopy),
	row("UploadPart", "PUT", LevelObject, "?uploadId|?partNumber", "write", partOp, (*req).uploadPart),
	row("CopyObject", "PUT", LevelObject, "x-amz-copy-source", "write", copySource, (*req).copyObject),
	row("PutObject", "PUT", LevelObject, "", "write", nil, (*req).putObject),
	row("CreateMultipartUpload", "POST", LevelObject, "?uploads", "write", has("uploads"), (*req).createMultipartUpload),
	row("CompleteMultipartUpload", "POST", LevelObject, "?uploadId", "write", has("uploadId"), (*req).completeMultipartUpload),
	row("", "POST", LevelObject, "", "", nil,
		refuse(errf(501, "NotImplemented", "POST on an object is only implemented for multipart uploads"))),
	row("AbortMultipartUpload", "DELETE", LevelObject, "?uploadId", "write", has("uploadId"), (*req).abortMultipartUpload),
	row("DeleteObject", "DELETE", LevelObject, "", "write", nil, (*req).deleteObject),
}

// preAuthOps are answered by Server.handle before authentication and
// dispatch (isSTS, isPostObject); listed here so Operations is complete.
var preAuthOps = []Operation{
	{Name: "AssumeRoleWithWebIdentity", Method: "POST", Level: LevelService, Match: "Action= (form or query)", PreAuth: true},
	{Name: "PostObject", Method: "POST", Level: LevelBucket, Match: "multipart/form-data", Perm: "write", PreAuth: true},
}

// Operations lists every S3 operation the gateway implements: the
// dispatch table's (in match order) and the pre-authentication ones.
// The slice is a copy.
func Operations() []Operation {
	out := make([]Operation, 0, len(ops)+len(preAuthOps))
	for _, o := range ops {
		if o.Name != "" {
			out = append(out, o.Operation)
		}
	}
	return append(out, preAuthOps...)
}
