package api

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// mount is a path prefix served by another handler (e.g. the Git LFS API
// under "/lfs/"), on the same port and in the same request metrics.
type mount struct {
	prefix string
	h      fasthttp.RequestHandler
}

// Mount delegates every request whose path starts with prefix (which must
// start and end with '/') to h, before any route matching or
// authentication: h authenticates on its own (see Authenticate), and it
// audits and throttles its own requests (the guard cannot name their
// actions nor read their credentials, so it leaves them alone). Call it
// before serving. The server's own routes never need a streamed body; a
// fasthttp.Server with StreamRequestBody (so a mounted handler can stream
// large uploads) is fine: the API buffers its bodies up to its limits.
func (s *Server) Mount(prefix string, h fasthttp.RequestHandler) {
	if !strings.HasPrefix(prefix, "/") || !strings.HasSuffix(prefix, "/") || len(prefix) < 3 || h == nil {
		panic(fmt.Sprintf("api.Mount: bad prefix %q", prefix))
	}
	s.mounts = append(s.mounts, mount{prefix: prefix, h: h})
}

// mounted reports whether path is served by a mounted handler.
func (s *Server) mounted(path string) bool {
	for _, m := range s.mounts {
		if strings.HasPrefix(path, m.prefix) {
			return true
		}
	}
	return false
}

// serveMount runs the mounted handler for path, if any.
func (s *Server) serveMount(rc *fasthttp.RequestCtx, path string, start time.Time) bool {
	for _, m := range s.mounts {
		if strings.HasPrefix(path, m.prefix) {
			m.h(rc)
			s.metrics.observe(m.prefix+"*", rc.Response.StatusCode(), time.Since(start))
			return true
		}
	}
	return false
}

// Authenticate checks a request's credentials the way the API does (the
// datamon signature over the body, and whatever other scheme the API
// accepts) and returns the caller's key. A mounted handler calls it for
// credentials it does not handle itself; the body must be buffered
// (fasthttp.Request.Body). Errors map through CodeFor like the API's own.
func (s *Server) Authenticate(ctx context.Context, rc *fasthttp.RequestCtx) (model.AccessKey, error) {
	return s.authenticate(ctx, rc, false)
}

// bufferBody reads a streamed request body into memory, refusing more than
// limit bytes (ErrTooLarge; the connection is closed after the answer).
func bufferBody(rc *fasthttp.RequestCtx, limit int) error {
	st := rc.RequestBodyStream()
	if st == nil {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(st, int64(limit)+1))
	if err != nil {
		rc.SetConnectionClose()
		return fmt.Errorf("%w: read body: %v", model.ErrInvalid, err)
	}
	if len(b) > limit {
		rc.SetConnectionClose()
		return fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	rc.Request.SetBody(b)
	return nil
}

// KeyPermission is k's permission on context/repo by the API's rules (root
// keys: admin everywhere; "context/*" grants cover every repo), for mounted
// handlers that authorize on their own.
func KeyPermission(k model.AccessKey, context, repo string) model.Permission {
	return permission(k, context, repo)
}
