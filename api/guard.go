package api

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/datamon-io/datamon/apiauth"
	"github.com/datamon-io/datamon/audit"
	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// AuditLog is the node's audit log (audit.Log): Record waits until a record
// is on disk, Submit queues one without waiting, Query answers GET /v1/audit.
type AuditLog interface {
	Record(ctx context.Context, r audit.Record) error
	Submit(r audit.Record) bool
	Query(ctx context.Context, q audit.Query) (audit.Result, error)
}

// AuthLimiter slows down signature guessing (authlimit.Limiter).
type AuthLimiter interface {
	Check(key, source string) (retryAfter time.Duration, ok bool)
	Failure(key, source string)
	Success(key, source string)
}

// CodeThrottled answers (429) a request refused by Config.AuthLimit after
// too many failed authentications of its key from its address, or from its
// address. Retry-After says when to try again.
const CodeThrottled = "Throttled"

// authKeyValue is the RequestCtx user value holding the authenticated key.
const authKeyValue = "datamon.api.key"

// guard is the decorator around serve: it refuses throttled callers before
// their signature is checked, counts failed and successful
// authentications, and audits every authenticated write and every refused
// request once its outcome is known and before the answer is sent.
// Mounted handlers (Mount) guard themselves.
func (s *Server) guard(rc *fasthttp.RequestCtx) {
	if path := string(rc.Path()); isProbe(path) || s.mounted(path) || (s.cfg.Audit == nil && s.cfg.AuthLimit == nil) {
		s.serve(rc)
		return
	}
	source := rc.RemoteIP().String()
	authz := string(rc.Request.Header.Peek(fasthttp.HeaderAuthorization))
	claimed := ""
	if h, err := apiauth.ParseHeader(authz); err == nil {
		claimed = h.Credential
	}
	throttled := false
	if s.cfg.AuthLimit != nil {
		if wait, ok := s.cfg.AuthLimit.Check(claimed, source); !ok {
			throttled = true
			s.writeThrottled(rc, wait)
			s.metrics.observe("throttled", fasthttp.StatusTooManyRequests, 0)
		}
	}
	if !throttled {
		s.serve(rc)
	}
	status := rc.Response.StatusCode()
	key, authed := rc.UserValue(authKeyValue).(model.AccessKey)
	if s.cfg.AuthLimit != nil && !throttled {
		switch {
		case status == fasthttp.StatusUnauthorized && authz != "":
			s.cfg.AuthLimit.Failure(claimed, source)
		case authed:
			s.cfg.AuthLimit.Success(key.ID, source)
		}
	}
	if s.cfg.Audit != nil {
		s.audit(rc, status, source, claimed, key, authed)
	}
}

func (s *Server) writeThrottled(rc *fasthttp.RequestCtx, wait time.Duration) {
	b, _ := json.Marshal(ErrorBody{Error: ErrorDetail{Code: CodeThrottled,
		Message: fmt.Sprintf("too many failed authentications from %s; retry after %s", rc.RemoteIP(), RetryAfterSeconds(wait)+"s")}})
	rc.Response.Header.Set(HeaderRetryAfter, RetryAfterSeconds(wait))
	rc.Response.Header.SetContentType("application/json")
	rc.SetStatusCode(fasthttp.StatusTooManyRequests)
	rc.SetBody(b)
}

// Routes whose successful calls are not audited: POSTs that only read, and
// chunk uploads (content-addressed, unreferenced until the commit that
// names them, which is audited).
var unaudited = map[string]bool{
	"/v1/chunks/has": true, "/v1/chunks": true, "/v1/chunks/batch": true,
}

func (s *Server) audit(rc *fasthttp.RequestCtx, status int, source, claimed string, key model.AccessKey, authed bool) {
	method := string(rc.Method())
	rt, params, _ := s.match(method, string(rc.Path()))
	write := method != fasthttp.MethodGet && method != fasthttp.MethodHead && (rt == nil || !unaudited[rt.name])
	refused := status == fasthttp.StatusUnauthorized || status == fasthttp.StatusForbidden || status == fasthttp.StatusTooManyRequests
	if !refused && !(authed && write) {
		return
	}
	r := audit.Record{
		Time: s.cfg.Now(), Surface: audit.SurfaceAPI, KeyID: claimed, Authenticated: authed,
		Source: source, Method: method, Action: "unmatched", Status: status, Refused: refused,
	}
	if authed {
		r.KeyID, r.User = key.ID, key.User
		if r.User == "" {
			r.User = key.Contributor.Name
		}
	}
	if rt != nil {
		r.Action = method + " " + rt.name
		r.Target = targetOf(rt, params, rc, status)
	}
	if status >= 400 {
		var eb ErrorBody
		if json.Unmarshal(rc.Response.Body(), &eb) == nil {
			r.Code = eb.Error.Code
		}
	}
	if authed && write && status < 300 {
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RequestTimeout)
		defer cancel()
		if err := s.cfg.Audit.Record(ctx, r); err != nil {
			s.log.Error("audit record not written", "action", r.Action, "key", r.KeyID, "status", status, "err", err)
		}
		return
	}
	s.cfg.Audit.Submit(r)
}

// targetOf names what the request addressed: path parameters, the name
// in a create request's body, the bundle a commit created.
func targetOf(rt *route, params []string, rc *fasthttp.RequestCtx, status int) audit.Target {
	var t audit.Target
	i := 0
	for j, p := range rt.parts {
		if !strings.HasPrefix(p, "{") || i >= len(params) {
			continue
		}
		v := params[i]
		i++
		switch name := strings.Trim(p, "{}"); {
		case name == "ctx":
			t.Context = v
		case name == "repo":
			t.Repo = v
		case name == "label":
			t.Label = v
		case name == "id" && j > 0 && rt.parts[j-1] == "bundles":
			t.Bundle = v
		default:
			t.Subject = joinSubject(t.Subject, name+"/"+v)
		}
	}
	if rt.method == fasthttp.MethodGet {
		return t
	}
	var req struct {
		Name     string `json:"name"`
		Label    string `json:"label"`
		BundleID string `json:"bundle_id"`
	}
	_ = json.Unmarshal(rc.Request.Body(), &req)
	switch rt.name {
	case "/v1/contexts":
		t.Context = req.Name
	case "/v1/contexts/{ctx}/repos":
		t.Repo = req.Name
	}
	if t.Label == "" {
		t.Label = req.Label
	}
	if t.Bundle == "" {
		t.Bundle = req.BundleID
	}
	if status < 300 && (strings.HasSuffix(rt.name, "/bundles") || strings.HasSuffix(rt.name, "/draft/commit")) {
		var resp struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(rc.Response.Body(), &resp) == nil && resp.ID != "" {
			t.Bundle = resp.ID
		}
	}
	return t
}

func joinSubject(a, b string) string {
	if a == "" {
		return b
	}
	return a + " " + b
}
