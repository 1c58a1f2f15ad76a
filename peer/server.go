package peer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// ServerConfig configures a Server.
type ServerConfig struct {
	Secret       []byte        // cluster secret (required)
	MaxBodySize  int           // largest request body accepted (413 above it)
	ReadTimeout  time.Duration // per request, including the body
	WriteTimeout time.Duration
	IdleTimeout  time.Duration    // keep-alive connections
	Clock        func() time.Time // nil → time.Now (tests inject skew)
	Logger       *slog.Logger     // nil discards
}

// DefaultConfig returns server settings sized for shard traffic; set Secret.
func DefaultServerConfig() ServerConfig {
	return ServerConfig{
		MaxBodySize:  64 << 20,
		ReadTimeout:  60 * time.Second,
		WriteTimeout: 60 * time.Second,
		IdleTimeout:  2 * time.Minute,
	}
}

// Validate reports whether the config is usable.
func (c ServerConfig) Validate() error {
	if len(c.Secret) == 0 {
		return fmt.Errorf("%w: empty secret", ErrConfig)
	}
	if c.MaxBodySize < 0 || c.ReadTimeout < 0 || c.WriteTimeout < 0 || c.IdleTimeout < 0 {
		return fmt.Errorf("%w: negative limit", ErrConfig)
	}
	return nil
}

// Server is a fasthttp mux on which every route requires a valid signature;
// an unauthenticated request gets 401 and reaches no handler.
type Server struct {
	cfg   ServerConfig
	key   []byte
	log   *slog.Logger
	clock func() time.Time
	srv   *fasthttp.Server

	mu     sync.RWMutex
	routes map[string]fasthttp.RequestHandler
}

// NewServer builds a Server; zero fields of cfg take DefaultServerConfig
// values. An invalid cfg (e.g. no secret) makes Serve fail with ErrConfig.
func NewServer(cfg ServerConfig) *Server {
	d := DefaultServerConfig()
	if cfg.MaxBodySize == 0 {
		cfg.MaxBodySize = d.MaxBodySize
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = d.ReadTimeout
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = d.WriteTimeout
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = d.IdleTimeout
	}
	s := &Server{
		cfg:    cfg,
		key:    requestKey(cfg.Secret),
		log:    cfg.Logger,
		clock:  cfg.Clock,
		routes: make(map[string]fasthttp.RequestHandler),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	s.srv = &fasthttp.Server{
		Handler:               s.serveHTTP,
		Name:                  "datamon-peer",
		MaxRequestBodySize:    cfg.MaxBodySize,
		ReadTimeout:           cfg.ReadTimeout,
		WriteTimeout:          cfg.WriteTimeout,
		IdleTimeout:           cfg.IdleTimeout,
		NoDefaultServerHeader: true,
		NoDefaultDate:         true,
		CloseOnShutdown:       true,
		Logger:                fasthttpLogger{s.log},
	}
	return s
}

// Handle registers h for the exact path. Handlers run only after the request
// signature was verified.
func (s *Server) Handle(path string, h fasthttp.RequestHandler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.routes[path] = h
}

// Handler returns the authenticating mux, for serving on a custom fasthttp server.
func (s *Server) Handler() fasthttp.RequestHandler { return s.serveHTTP }

// Serve accepts connections on ln until Shutdown. It returns nil after Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	if err := s.cfg.Validate(); err != nil {
		return err
	}
	if err := s.srv.Serve(ln); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("peer: serve %s: %w", ln.Addr(), err)
	}
	return nil
}

// Shutdown stops accepting, waits (bounded by ctx) for in-flight requests and
// closes connections.
func (s *Server) Shutdown(ctx context.Context) error {
	if err := s.srv.ShutdownWithContext(ctx); err != nil {
		return fmt.Errorf("peer: shutdown: %w", err)
	}
	return nil
}

func (s *Server) serveHTTP(ctx *fasthttp.RequestCtx) {
	if err := verifyWithKey(s.key, &ctx.Request, s.clock()); err != nil {
		s.log.Warn("rejected internal request", "remote", ctx.RemoteAddr().String(),
			"path", string(ctx.Path()), "err", err)
		ctx.Error("unauthorized", fasthttp.StatusUnauthorized)
		return
	}
	s.mu.RLock()
	h, ok := s.routes[string(ctx.Path())]
	s.mu.RUnlock()
	if !ok {
		ctx.Error("no such route", fasthttp.StatusNotFound)
		return
	}
	h(ctx)
}

type fasthttpLogger struct{ l *slog.Logger }

func (f fasthttpLogger) Printf(format string, args ...any) {
	f.l.Warn(fmt.Sprintf(format, args...), "component", "fasthttp")
}
