package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/datamon-io/datamon/gateway/sigv4"
	"github.com/valyala/fasthttp"
)

// ErrNilDependency is returned by New when keys or backend is nil.
var ErrNilDependency = errors.New("gateway: nil dependency")

// Server is the S3 protocol server.
type Server struct {
	cfg     Config
	keys    Keys
	backend Backend
	log     *slog.Logger
	srv     *fasthttp.Server
	idBase  string
	seq     atomic.Uint64
}

// New builds a Server.
func New(cfg Config, keys Keys, backend Backend) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if keys == nil || backend == nil {
		return nil, ErrNilDependency
	}
	cfg.fill()
	var rnd [4]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, fmt.Errorf("gateway: request id seed: %w", err)
	}
	s := &Server{cfg: cfg, keys: keys, backend: backend, log: cfg.Logger, idBase: strings.ToUpper(hex.EncodeToString(rnd[:]))}
	s.srv = &fasthttp.Server{
		Handler:                       s.Handler(),
		Name:                          "datamon",
		ReadBufferSize:                cfg.MaxHeaderSize,
		MaxRequestBodySize:            1 << 20, // pre-read at most this much; the rest streams
		StreamRequestBody:             true,
		DisablePreParseMultipartForm:  true,
		DisableHeaderNamesNormalizing: false,
		NoDefaultContentType:          true,
		ReadTimeout:                   cfg.ReadTimeout,
		WriteTimeout:                  cfg.WriteTimeout,
		IdleTimeout:                   cfg.IdleTimeout,
		CloseOnShutdown:               true,
		ErrorHandler:                  s.connError,
		ExpectHandler:                 s.expect, // expect.go
	}
	return s, nil
}

// Serve accepts connections on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.srv.Serve(ln) }

// Shutdown stops accepting and waits for open requests (bounded by ctx).
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.ShutdownWithContext(ctx) }

// Handler returns the request handler (for embedding in another fasthttp server).
func (s *Server) Handler() fasthttp.RequestHandler { return s.guard }

// connError answers requests fasthttp could not parse (oversized headers, ...).
func (s *Server) connError(c *fasthttp.RequestCtx, err error) {
	ae := errf(400, "InvalidRequest", "malformed request: "+err.Error())
	var big *fasthttp.ErrSmallBuffer
	if errors.As(err, &big) || strings.Contains(err.Error(), "small read buffer") {
		ae = errf(400, "RequestHeaderSectionTooLarge", "Your request header section exceeds the maximum allowed size.")
	}
	c.SetConnectionClose()
	r := &req{s: s, c: c, reqID: s.newID()}
	r.c.Response.Header.Set("x-amz-request-id", r.reqID)
	r.writeErr(ae)
}

func (s *Server) newID() string {
	return s.idBase + strconv.FormatUint(s.seq.Add(1)+1<<40, 16)
}

// req is the state of one request.
type req struct {
	s        *Server
	c        *fasthttp.RequestCtx
	reqID    string
	path     string // decoded path
	bucket   string
	key      string
	rawQuery string
	query    url.Values
	auth     authResult
	chunked  *sigv4.ChunkedReader // set by body() for aws-chunked payloads
	errCode  string               // the S3 error code answered (writeErr), for guard
}

func (r *req) ctx() context.Context { return r.c }

func (r *req) header(name string) string { return string(r.c.Request.Header.Peek(name)) }

func (s *Server) handle(c *fasthttp.RequestCtx) {
	r := &req{s: s, c: c, reqID: s.newID()}
	c.SetUserValue(reqValue, r)            // for guard (audit, authlimit)
	c.Response.Header.DisableNormalizing() // x-amz-meta-* names go out as stored
	c.Response.Header.Set("x-amz-request-id", r.reqID)
	c.Response.Header.Set("x-amz-id-2", r.reqID)
	defer r.drainAfterError() // expect.go
	if err := r.parse(); err != nil {
		r.writeErr(err)
		return
	}
	if r.isSTS() || isPreflight(c) && r.isPostObject() {
		if !isPreflight(c) {
			r.sts() // tokens.go
		}
		return
	}
	if r.isPostObject() {
		err := ValidRequestBucket(r.bucket)
		if err == nil {
			err = r.postObject()
		}
		if err != nil {
			r.writeErr(err)
		}
		return
	}
	if err := r.authenticate(); err != nil {
		r.writeErr(err)
		return
	}
	if r.bucket != "" {
		if err := ValidRequestBucket(r.bucket); err != nil {
			r.writeErr(err)
			return
		}
	}
	if r.key != "" {
		if err := ValidKey(r.key); err != nil {
			r.writeErr(errInvalidKey)
			return
		}
	}
	if err := r.checkBehaviour(); err != nil { // headers.go
		r.writeErr(err)
		return
	}
	if isPreflight(c) {
		if err := r.preBody(); err != nil {
			r.writeErr(err)
		}
		return
	}
	if err := r.dispatch(); err != nil {
		r.writeErr(err)
	}
}

// parse splits the request into bucket, key and query (path-style or
// virtual-host-style).
func (r *req) parse() error {
	raw := string(r.c.Request.URI().PathOriginal())
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		raw = raw[:i]
	}
	if strings.HasPrefix(raw, "http://") || strings.HasPrefix(raw, "https://") {
		return errf(400, "InvalidURI", "Couldn't parse the specified URI.")
	}
	p, err := url.PathUnescape(raw)
	if err != nil || !strings.HasPrefix(p, "/") {
		return errf(400, "InvalidURI", "Couldn't parse the specified URI.")
	}
	r.path = p
	r.rawQuery = string(r.c.Request.URI().QueryString())
	if r.query, err = url.ParseQuery(r.rawQuery); err != nil {
		return errf(400, "InvalidArgument", "malformed query string")
	}
	host := string(r.c.Request.Header.Host())
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	for _, d := range r.s.cfg.Domains {
		if strings.HasSuffix(host, "."+d) {
			r.bucket = strings.TrimSuffix(host, "."+d)
			r.key = p[1:]
			return nil
		}
	}
	r.bucket, r.key, _ = strings.Cut(p[1:], "/")
	return nil
}

// resource is the "/bucket/key" of the request, for error bodies.
func (r *req) resource() string { return r.path }
