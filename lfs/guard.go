package lfs

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/audit"
	"github.com/valyala/fasthttp"
)

// Auditor is the node's audit log (audit.Log): Record waits until a record
// is on disk, Submit queues one without waiting.
type Auditor interface {
	Record(ctx context.Context, r audit.Record) error
	Submit(r audit.Record) bool
}

// AuthLimiter slows down guessing of secrets (authlimit.Limiter).
type AuthLimiter interface {
	Check(key, source string) (retryAfter time.Duration, ok bool)
	Failure(key, source string)
	Success(key, source string)
}

// guard wraps serve like the API's and the gateway's guards do: a caller
// throttled for failed logins of its key from its address (or from its
// address) is refused (429, Retry-After) before its secret is compared;
// failed logins are counted and a successful one clears its key's count;
// every authenticated write and every refused request is audited once its
// outcome is known, before the answer is sent (writes wait for the
// record to be on disk).
func (s *Server) guard(rc *fasthttp.RequestCtx) {
	source := rc.RemoteIP().String()
	authz := string(rc.Request.Header.Peek(fasthttp.HeaderAuthorization))
	claimed := basicKeyID(authz)
	if s.cfg.AuthLimit != nil {
		if wait, ok := s.cfg.AuthLimit.Check(claimed, source); !ok {
			secs := api.RetryAfterSeconds(wait)
			rc.Response.Header.Set(api.HeaderRetryAfter, secs)
			s.reply(rc, fasthttp.StatusTooManyRequests, ErrorBody{
				Message: fmt.Sprintf("too many failed logins from %s; retry after %ss", source, secs)})
			s.audit(rc, nil, claimed, source, api.CodeThrottled)
			return
		}
	}
	r := s.handle(rc)
	status := rc.Response.StatusCode()
	authed := r != nil && r.key.ID != ""
	if s.cfg.AuthLimit != nil {
		switch {
		case status == fasthttp.StatusUnauthorized && authz != "":
			s.cfg.AuthLimit.Failure(claimed, source)
		case authed:
			s.cfg.AuthLimit.Success(r.key.ID, source)
		}
	}
	s.audit(rc, r, claimed, source, "")
}

// basicKeyID is the access key ID of HTTP Basic credentials ("" for any
// other scheme or malformed ones): the key a failed login is counted for.
func basicKeyID(authz string) string {
	if len(authz) <= 6 || !strings.EqualFold(authz[:6], "basic ") {
		return ""
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(authz[6:]))
	if err != nil {
		return ""
	}
	id, _, ok := strings.Cut(string(raw), ":")
	if !ok {
		return ""
	}
	return id
}

// writes are the operations that change state (the batch call only
// hands out transfer hrefs; verify and lock verification only read).
var writes = map[string]bool{"upload": true, "lock": true, "unlock": true, "delete-objects": true}

// audit records a refused request or an authenticated write; r is nil
// when the request was refused before it was parsed (throttled).
func (s *Server) audit(rc *fasthttp.RequestCtx, r *req, claimed, source, code string) {
	if s.cfg.Audit == nil {
		return
	}
	status := rc.Response.StatusCode()
	method := string(rc.Method())
	op, target := actionOf(method, string(rc.Path()))
	authed := r != nil && r.key.ID != ""
	refused := status == fasthttp.StatusUnauthorized || status == fasthttp.StatusForbidden || status == fasthttp.StatusTooManyRequests
	if !refused && !(authed && writes[op]) {
		return
	}
	rec := audit.Record{
		Time: s.cfg.Now(), Surface: audit.SurfaceLFS, KeyID: claimed, Authenticated: authed, Source: source,
		Method: method, Action: "lfs:" + op, Target: target, Status: status, Code: code, Refused: refused,
	}
	if authed {
		rec.KeyID, rec.User = r.key.ID, r.key.User
		if rec.User == "" {
			rec.User = r.key.Contributor.Name
		}
	}
	if c, ok := rc.UserValue(failCode).(string); ok && rec.Code == "" {
		rec.Code = c
	}
	if authed && writes[op] && status < 300 {
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RequestTimeout)
		defer cancel()
		if err := s.cfg.Audit.Record(ctx, rec); err != nil {
			s.log.Error("lfs: audit record not written", "action", rec.Action, "key", rec.KeyID, "status", status, "err", err)
		}
		return
	}
	s.cfg.Audit.Submit(rec)
}

// actionOf names the operation (the routes table's Op) and its target.
func actionOf(method, path string) (string, audit.Target) {
	segs := strings.Split(strings.TrimPrefix(path, Prefix), "/")
	if !strings.HasPrefix(path, Prefix) || len(segs) < 3 {
		return "unmatched", audit.Target{}
	}
	t := audit.Target{Context: segs[0], Repo: segs[1]}
	op := "unmatched"
	if rt := lookup(method, segs[2:]); rt != nil {
		op = rt.Op
	}
	switch op {
	case "upload", "download":
		t.Key = segs[3]
	case "unlock":
		t.Subject = "lock/" + segs[3]
	}
	return op, t
}
