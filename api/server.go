package api

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/datamon-io/datamon/model"
	"github.com/valyala/fasthttp"
)

// Server is the public API handler. It holds no state besides counters.
type Server struct {
	cfg     Config
	log     *slog.Logger
	meta    Meta
	chunks  Chunks
	cluster Cluster
	metrics *metrics
	routes  []route
	mounts  []mount // mount.go
}

// New builds a Server. Zero Config fields take DefaultConfig values; a Config
// that fails Validate after that is a programming error and panics.
func New(cfg Config, meta Meta, chunks Chunks, cluster Cluster) *Server {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		panic(fmt.Sprintf("api.New: %v", err))
	}
	s := &Server{
		cfg: cfg, log: cfg.Logger, meta: meta, chunks: chunks, cluster: cluster,
	}
	var extra func() map[string]float64
	if cluster != nil {
		extra = cluster.Metrics
	}
	s.metrics = newMetrics(cfg.Version, extra)
	s.routes = s.buildRoutes()
	return s
}

// Handler returns the fasthttp handler serving every route.
func (s *Server) Handler() fasthttp.RequestHandler { return s.guard }

// HTTPServer returns a fasthttp.Server for Handler whose transport body limit
// sits just above the API's own limits (so the API answers 413 itself).
func (s *Server) HTTPServer() *fasthttp.Server {
	return &fasthttp.Server{
		Handler:            s.guard,
		Name:               "datamon",
		MaxRequestBodySize: max(s.cfg.MaxChunkBody, s.cfg.MaxJSONBody) + 1<<20,
		ReadTimeout:        s.cfg.RequestTimeout,
		WriteTimeout:       s.cfg.RequestTimeout,
		IdleTimeout:        2 * time.Minute,
		NoDefaultDate:      true,
	}
}

// request is what a route handler gets.
type request struct {
	rc     *fasthttp.RequestCtx
	params []string // path parameters, in route order
	key    model.AccessKey
	// ctx carries the key as a model.Caller (serve), so that permission
	// checks record the grants the request's writes need (auth.go).
	ctx context.Context
}

// contributor is who the request is recorded as: the authenticated key's
// identity (for a user's key, the user's name and email, copied onto the
// key when it is created), never what the client sends, which is ignored.
// A key without a contributor is recorded by its ID.
func (r *request) contributor() model.Contributor {
	if r.key.Contributor == (model.Contributor{}) {
		return model.Contributor{Name: r.key.ID}
	}
	return r.key.Contributor
}

func (s *Server) serve(rc *fasthttp.RequestCtx) {
	start := time.Now()
	method, path := string(rc.Method()), string(rc.Path())
	if s.probe(rc, path, start) { // probes.go
		return
	}
	if s.serveMount(rc, path, start) {
		return
	}
	rt, params, matchErr := s.match(method, path)
	name := "unmatched"
	if rt != nil {
		name = rt.name
	}
	defer func() { s.metrics.observe(name, rc.Response.StatusCode(), time.Since(start)) }()

	limit := s.cfg.MaxJSONBody
	if rt != nil && rt.chunkBody {
		limit = s.cfg.MaxChunkBody
	}
	if err := bufferBody(rc, limit); err != nil { // a server streaming bodies for mounts
		s.writeError(rc, err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RequestTimeout)
	defer cancel()
	if ok, err := s.metricsBearer(rc, method, path); ok || err != nil {
		if err == nil {
			err = s.getMetrics(ctx, &request{rc: rc})
		}
		if err != nil {
			s.log.Info("metrics scrape refused", "remote", rc.RemoteAddr().String(), "err", err)
			s.writeError(rc, err)
		}
		return
	}
	key, err := s.authenticate(ctx, rc, rt != nil && rt.unsignedOK)
	if err != nil {
		s.log.Info("unauthenticated request", "method", method, "path", path, "remote", rc.RemoteAddr().String(), "err", err)
		s.writeError(rc, err)
		return
	}
	rc.SetUserValue(authKeyValue, key) // for guard (audit, authlimit)
	if matchErr != nil {
		s.writeError(rc, matchErr)
		return
	}
	if n := len(rc.Request.Body()); n > limit {
		s.writeError(rc, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, n, limit))
		return
	}
	// Chunk uploads (the UNSIGNED-PAYLOAD routes) are content-addressed:
	// they need no request ID, and their bodies are not digested again.
	if !rt.unsignedOK {
		if ctx, err = withRequestID(ctx, rc, key); err != nil {
			s.writeError(rc, err)
			return
		}
	}
	if rc.QueryArgs().GetBool("stale") && method == fasthttp.MethodGet {
		ctx = s.cfg.Stale(ctx)
	}
	if _, bearer := bearerToken(rc); !bearer {
		// An access key in Raft: its writes are stamped and re-checked at
		// apply. A bearer token's principal has no Raft key (its authority
		// is the token's claims until it expires): unstamped.
		ctx = model.WithCaller(ctx, model.Caller{Key: key.ID, SecretGen: key.SecretGen})
	}
	if err := rt.handle(s, ctx, &request{rc: rc, params: params, key: key, ctx: ctx}); err != nil {
		s.writeError(rc, err)
	}
}

// segments splits "/v1/a/b" into ["v1","a","b"]; empty segments are kept so
// that "/v1/contexts//repos" does not match anything.
func segments(path string) []string {
	return strings.Split(strings.TrimPrefix(path, "/"), "/")
}
