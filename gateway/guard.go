package gateway

import (
	"context"
	"strings"
	"time"

	"github.com/datamon-io/datamon/audit"
	"github.com/datamon-io/datamon/gateway/sigv2"
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
			c.SetUserValue(reqValue, r) // expect.go reads the outcome
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
	if r == nil || isPreflight(c) && r.errCode == "" {
		return // a preflight that passed: the request itself is yet to run
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
		if ak, _, err := sigv2.ParseAuthorization(authz); err == nil {
			return ak, true
		}
		return "", true
	}
	q := c.QueryArgs()
	if ak := q.Peek("AWSAccessKeyId"); len(ak) > 0 {
		return string(ak), true
	}
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
	authed := r.auth.ok // a signature or a bearer token verified
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
		rec.KeyID, rec.User = r.auth.id.AccessKey, r.auth.id.User
		if rec.User == "" {
			rec.User = r.auth.id.Name // the bootstrap root key: its contributor name
		}
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

// s3Op names the operation the way dispatch routes it: the dispatch
// table's row (operations.go); a browser POST upload (answered before
// dispatch); else the method.
func s3Op(r *req, m string) string {
	if o := r.route(); o != nil && o.Name != "" {
		return o.Name
	}
	if m == "POST" && r.bucket != "" && r.key == "" {
		return "PostObject"
	}
	return m
}
