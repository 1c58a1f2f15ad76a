package lfs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/datamon-io/datamon/api"
	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// Prefix is where the LFS API hangs: Prefix + "<context>/<repo>/…".
const Prefix = "/lfs/"

// Server serves the Git LFS API. It holds no state of its own.
type Server struct {
	cfg    Config
	log    *slog.Logger
	meta   Meta
	chunks Chunks
	auth   Authenticator
}

// New builds a Server; auth may be nil (HTTP Basic and transfer tokens only).
func New(cfg Config, meta Meta, chunks Chunks, auth Authenticator) (*Server, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if meta == nil || chunks == nil {
		return nil, fmt.Errorf("%w: meta and chunks are required", ErrBadConfig)
	}
	return &Server{cfg: cfg, log: cfg.Logger, meta: meta, chunks: chunks, auth: auth}, nil
}

// Handler serves every path under Prefix (mount it with api.Server.Mount).
// With Config.Audit or Config.AuthLimit set, it audits and throttles its
// requests itself (guard.go): the API's guard leaves mounted paths alone.
func (s *Server) Handler() fasthttp.RequestHandler {
	if s.cfg.Audit == nil && s.cfg.AuthLimit == nil {
		return func(rc *fasthttp.RequestCtx) { s.handle(rc) }
	}
	return s.guard
}

// req is one request being served.
type req struct {
	rc            *fasthttp.RequestCtx
	context, repo string
	rest          []string // path segments after the repo
	key           model.AccessKey
	bearer        bool // key is a verified bearer token's principal
	// raftKey: key is an access key in Raft (HTTP Basic, a signed API
	// request, a transfer token naming a key), its SecretGen the
	// generation that verified the request; needs are the grants require
	// allowed. Writes carry both (stamp) and are re-checked at apply.
	raftKey bool
	needs   []model.Grant
}

// stamp puts the caller's access key and the grants the request was
// allowed on ctx (model.Caller), so that the state machine refuses the
// write if the key was deleted, its secret rotated away or a grant removed
// before the write reached the log. Bearer principals are not stamped:
// they have no key in Raft (their authority is the JWT until it expires).
func (r *req) stamp(ctx context.Context) context.Context {
	if !r.raftKey || r.key.ID == "" {
		return ctx
	}
	return model.WithCaller(ctx, model.Caller{Key: r.key.ID, SecretGen: r.key.SecretGen}, r.needs...)
}

type handler func(s *Server, ctx context.Context, r *req) error

// handle serves one request; it returns the request as far as it was
// parsed (nil when the path is not an LFS path), for the guard.
func (s *Server) handle(rc *fasthttp.RequestCtx) *req {
	path := string(rc.Path())
	segs := strings.Split(strings.TrimPrefix(path, Prefix), "/")
	if !strings.HasPrefix(path, Prefix) || len(segs) < 3 {
		s.fail(rc, fmt.Errorf("%w: %s is not an LFS path (%s<context>/<repo>/…)", model.ErrNotFound, path, Prefix))
		return nil
	}
	r := &req{rc: rc, context: segs[0], repo: segs[1], rest: segs[2:]}
	rt := lookup(string(rc.Method()), r.rest)
	if rt == nil {
		s.fail(rc, fmt.Errorf("%w: %s %s", model.ErrNotFound, rc.Method(), path))
		return r
	}
	timeout := s.cfg.TransferTimeout
	if rt.json {
		timeout = s.cfg.RequestTimeout
		if err := s.bufferBody(rc); err != nil {
			s.fail(rc, err)
			return r
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := model.ValidateContextName(r.context); err != nil {
		s.fail(rc, fmt.Errorf("%w: repo %s/%s: %w", model.ErrNotFound, r.context, r.repo, err))
		return r
	}
	if err := model.ValidateRepoName(r.repo); err != nil {
		s.fail(rc, fmt.Errorf("%w: repo %s/%s: %w", model.ErrNotFound, r.context, r.repo, err))
		return r
	}
	if err := rt.h(s, ctx, r); err != nil {
		s.fail(rc, err)
	}
	return r
}

// bufferBody reads a JSON body, refusing more than MaxJSONBody.
func (s *Server) bufferBody(rc *fasthttp.RequestCtx) error {
	st := rc.RequestBodyStream()
	if st == nil {
		if n := len(rc.Request.Body()); n > s.cfg.MaxJSONBody {
			return fmt.Errorf("%w: body of %d bytes, limit %d", api.ErrTooLarge, n, s.cfg.MaxJSONBody)
		}
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(st, int64(s.cfg.MaxJSONBody)+1))
	if err != nil {
		rc.SetConnectionClose()
		return fmt.Errorf("%w: read body: %v", ErrBadRequest, err)
	}
	if len(b) > s.cfg.MaxJSONBody {
		rc.SetConnectionClose()
		return fmt.Errorf("%w: body over %d bytes", api.ErrTooLarge, s.cfg.MaxJSONBody)
	}
	rc.Request.SetBody(b)
	return nil
}

// requireRepo checks the repo exists (a linearizable read: later stale
// reads of this request see at least this state).
func (s *Server) requireRepo(ctx context.Context, r *req) error {
	if _, err := s.meta.GetRepo(ctx, r.context, r.repo); err != nil {
		if errors.Is(err, model.ErrNotFound) {
			return fmt.Errorf("%w: repo %s/%s", model.ErrNotFound, r.context, r.repo)
		}
		return err
	}
	return nil
}

// require checks the caller's permission on the request's repo.
func (r *req) require(want model.Permission) error {
	if api.KeyPermission(r.key, r.context, r.repo) >= want {
		r.needs = append(r.needs, model.Grant{Scope: model.RepoScope(r.context, r.repo), Permission: want})
		return nil
	}
	return fmt.Errorf("%w: key %q needs %s on %s/%s", model.ErrPermission, r.key.ID, want, r.context, r.repo)
}

// status maps an error to the HTTP status the Git LFS client expects.
func (s *Server) status(err error) int {
	switch {
	case errors.Is(err, ErrTooMany):
		return fasthttp.StatusRequestEntityTooLarge
	case errors.Is(err, ErrHashAlgo):
		return fasthttp.StatusConflict
	case errors.Is(err, ErrMismatch), errors.Is(err, ErrBadRequest):
		return fasthttp.StatusUnprocessableEntity
	case errors.Is(err, ErrToken):
		return fasthttp.StatusUnauthorized
	}
	_, st := api.CodeFor(err, s.cfg.Unavailable)
	return st
}

// failCode is the RequestCtx user value holding the error code of a
// failed request (for the audit record).
const failCode = "datamon.lfs.code"

func (s *Server) fail(rc *fasthttp.RequestCtx, err error) {
	st := s.status(err)
	code, _ := api.CodeFor(err, s.cfg.Unavailable)
	if errors.Is(err, ErrToken) {
		code = "BadTransferToken"
	}
	rc.SetUserValue(failCode, code)
	if st >= 500 {
		s.log.Warn("lfs request failed", "method", string(rc.Method()), "path", string(rc.Path()), "err", err)
	} else {
		s.log.Debug("lfs request refused", "method", string(rc.Method()), "path", string(rc.Path()), "status", st, "err", err)
	}
	if st == fasthttp.StatusUnauthorized && !errors.Is(err, ErrToken) {
		rc.Response.Header.Set("LFS-Authenticate", `Basic realm="datamon", charset="UTF-8"`)
	}
	if st == fasthttp.StatusServiceUnavailable {
		rc.Response.Header.Set(api.HeaderRetryAfter, "1")
	}
	s.reply(rc, st, ErrorBody{Message: err.Error(), DocumentationURL: "https://github.com/datamon-io/datamon/blob/main/docs/lfs.md"})
}

func (s *Server) reply(rc *fasthttp.RequestCtx, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = fasthttp.StatusInternalServerError, []byte(`{"message":"encode response"}`)
	}
	rc.Response.Header.SetContentType(MediaType)
	rc.SetStatusCode(status)
	rc.SetBody(b)
}
