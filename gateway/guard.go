package gateway

import (
	"context"
	"strings"
	"time"

	"github.com/datamon-io/datamon/audit"
	"github.com/datamon-io/datamon/gateway/sigv4"
	"github.com/valyala/fasthttp"
)

// Auditor is the node's audit log (audit.Log): Record waits until a record
// is on disk, Submit queues one without waiting.
type Auditor interface {
	Record(ctx context.Context, r audit.Record) error
	Submit(r audit.Record) bool
}

// AuthLimiter slows down signature guessing (authlimit.Limiter).
type AuthLimiter interface {
	Check(key, source string) (retryAfter time.Duration, ok bool)
	Failure(key, source string)
	Success(key, source string)
}

// reqValue is the RequestCtx user value holding the request's *req.
const reqValue = "datamon.gateway.req"

// authFailureCodes are the answers that mean "this signature or key is
// wrong" when no signature was verified: what a guesser gets.
var authFailureCodes = map[string]bool{
	"SignatureDoesNotMatch": true, "InvalidAccessKeyId": true,
	"AuthorizationHeaderMalformed": true, "AuthorizationQueryParametersError": true,
}

// guard is the decorator around handle: it refuses throttled callers
// (503 SlowDown with Retry-After) before their signature is checked,
// counts failed and verified signatures, and audits every authenticated
// write and every refused request once the outcome is known, before the
// answer is sent.
func (s *Server) guard(c *fasthttp.RequestCtx) {
	if s.cfg.Audit == nil && s.cfg.AuthLimit == nil {
		s.handle(c)
		return
	}
	source := c.RemoteIP().String()
	claimed, attempt := claimedKey(c)
	if s.cfg.AuthLimit != nil {
		if wait, ok := s.cfg.AuthLimit.Check(claimed, source); !ok {
			r := &req{s: s, c: c, reqID: s.newID()}
			c.Response.Header.Set("x-amz-request-id", r.reqID)
			_ = r.parse() // for the error's Resource and the audit target only
			r.writeErr(errf(503, "SlowDown", "Too many failed authentications from this address; retry after "+retryAfter(wait)+" seconds."))
			c.Response.Header.Set("Retry-After", retryAfter(wait))
			r.errCode = audit.CodeThrottled
			s.audit(r, claimed, source)
			return
		}
	}
	s.handle(c)
	r, _ := c.UserValue(reqValue).(*req)
	if r == nil {
		return
	}
	if s.cfg.AuthLimit != nil {
		switch {
		case r.auth.key != nil:
			s.cfg.AuthLimit.Success(r.auth.scope.AccessKey, source)
		case attempt && authFailureCodes[r.errCode]:
			s.cfg.AuthLimit.Failure(claimed, source)
		}
	}
	s.audit(r, claimed, source)
}

// claimedKey is the access key a request says it is signed with ("" if
// it cannot be read) and whether it carries a signature at all.
func claimedKey(c *fasthttp.RequestCtx) (string, bool) {
	if authz := string(c.Request.Header.Peek("Authorization")); authz != "" {
		if a, err := sigv4.ParseAuthorization(authz); err == nil {
			return a.Scope.AccessKey, true
		}
		return "", true
	}
	q := c.QueryArgs()
	if cred := q.Peek("X-Amz-Credential"); len(cred) > 0 {
		k, _, _ := strings.Cut(string(cred), "/")
		return k, true
	}
	return "", q.Has("X-Amz-Signature")
}

func (s *Server) audit(r *req, claimed, source string) {
	if s.cfg.Audit == nil {
		return
	}
	c := r.c
	status := c.Response.StatusCode()
	method := string(c.Method())
	authed := r.auth.key != nil
	write := method == "PUT" || method == "POST" || method == "DELETE"
	refused := status == 401 || status == 403 || r.errCode == audit.CodeThrottled || (!authed && authFailureCodes[r.errCode])
	if !refused && !(authed && write) {
		return
	}
	rec := audit.Record{
		Time: s.cfg.Clock(), Surface: audit.SurfaceS3, KeyID: claimed, Authenticated: authed, Source: source,
		Method: method, Action: "s3:" + s3Op(r, method), Status: status, Code: r.errCode, RequestID: r.reqID, Refused: refused,
		Target: audit.Target{Bucket: r.bucket, Key: r.key},
	}
	if authed {
		rec.KeyID, rec.User = r.auth.scope.AccessKey, r.auth.id.Name
	}
	if r.bucket != "" && s.cfg.BucketRepo != nil {
		rec.Target.Context, rec.Target.Repo, _ = s.cfg.BucketRepo(r.bucket)
	}
	if authed && write && status < 300 {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.cfg.Audit.Record(ctx, rec); err != nil {
			s.log.Error("gateway: audit record not written", "req", r.reqID, "action", rec.Action, "key", rec.KeyID, "err", err)
		}
		return
	}
	s.cfg.Audit.Submit(rec)
}

// s3Op names the operation the way dispatch routes it.
func s3Op(r *req, m string) string {
	q := r.query
	switch {
	case r.bucket == "":
		if m == "GET" {
			return "ListBuckets"
		}
	case r.key == "":
		switch m {
		case "GET":
			for _, k := range []string{"location", "versioning", "acl", "uploads"} {
				if q.Has(k) {
					return map[string]string{"location": "GetBucketLocation", "versioning": "GetBucketVersioning",
						"acl": "GetBucketAcl", "uploads": "ListMultipartUploads"}[k]
				}
			}
			if q.Get("list-type") == "2" {
				return "ListObjectsV2"
			}
			return "ListObjects"
		case "HEAD":
			return "HeadBucket"
		case "PUT":
			return "CreateBucket"
		case "DELETE":
			return "DeleteBucket"
		case "POST":
			if q.Has("delete") {
				return "DeleteObjects"
			}
			return "PostObject"
		}
	default:
		copySrc := r.header("X-Amz-Copy-Source") != ""
		switch {
		case m == "GET" && q.Has("uploadId"):
			return "ListParts"
		case m == "GET" && q.Has("acl"):
			return "GetObjectAcl"
		case m == "GET":
			return "GetObject"
		case m == "HEAD":
			return "HeadObject"
		case m == "PUT" && (q.Has("uploadId") || q.Has("partNumber")) && copySrc:
			return "UploadPartCopy"
		case m == "PUT" && (q.Has("uploadId") || q.Has("partNumber")):
			return "UploadPart"
		case m == "PUT" && copySrc:
			return "CopyObject"
		case m == "PUT":
			return "PutObject"
		case m == "POST" && q.Has("uploads"):
			return "CreateMultipartUpload"
		case m == "POST" && q.Has("uploadId"):
			return "CompleteMultipartUpload"
		case m == "DELETE" && q.Has("uploadId"):
			return "AbortMultipartUpload"
		case m == "DELETE":
			return "DeleteObject"
		}
	}
	return m
}
