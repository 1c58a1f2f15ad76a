package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/datamon-io/datamon/model"
)

// ErrConfig reports an invalid Config.
var ErrConfig = errors.New("client: invalid config")

// Config configures a Client.
type Config struct {
	// Endpoints are base URLs of any nodes: "http://host:port", "https://..."
	// or "host:port" (http).
	Endpoints []string
	AccessKey string
	SecretKey string
	// CAFile is a PEM bundle of the CA(s) that https endpoints' certificates
	// must chain to (the cluster CA, DIR/tls/ca.crt of `cluster local`);
	// empty: the system's roots. TLS, when set, is used as given instead.
	CAFile string
	TLS    *tls.Config
	// Token, when set, is sent as "Authorization: Bearer <Token>" (a JWT
	// from an issuer the cluster trusts) instead of signing with the access
	// key. TokenFile names a file holding the token instead, re-read for
	// every request so that a rotated token (a Kubernetes projected service
	// account token, a CI job token) is picked up.
	Token     string
	TokenFile string
	// Contributor is sent with mutations that do not name one; empty: the
	// server uses the access key's contributor.
	Contributor model.Contributor
	// Run, when set, is the pipeline run this client works for (the CLI
	// takes it from DATAMON_RUN): every bundle it commits names the run,
	// which records the bundle as an output in the same Raft command.
	Run string
	// Timeout bounds one attempt (the call's ctx bounds the whole call).
	Timeout time.Duration
	// Retries is how many more attempts follow a retryable failure.
	Retries int
	// Backoff is the first pause between attempts; it doubles up to MaxBackoff.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Dial overrides how connections are made (tests: in-memory listeners).
	Dial func(addr string) (net.Conn, error)
	// Now is the signing clock (tests).
	Now    func() time.Time
	Logger *slog.Logger
}

// DefaultConfig returns a Config with the default timeouts and retries.
func DefaultConfig() Config {
	return Config{
		Timeout:    60 * time.Second,
		Retries:    4,
		Backoff:    50 * time.Millisecond,
		MaxBackoff: 2 * time.Second,
		Now:        time.Now,
	}
}

// Validate checks the endpoints and credentials.
func (c Config) Validate() error {
	if len(c.Endpoints) == 0 {
		return fmt.Errorf("%w: no endpoints (set --server, DATAMON_SERVER or server: in the config file)", ErrConfig)
	}
	for _, e := range c.Endpoints {
		if _, _, err := splitEndpoint(e); err != nil {
			return err
		}
	}
	if c.Token != "" && c.TokenFile != "" {
		return fmt.Errorf("%w: token and token file are exclusive", ErrConfig)
	}
	if strings.ContainsAny(c.Token, " \t\r\n") {
		return fmt.Errorf("%w: token contains white space", ErrConfig)
	}
	if c.Token == "" && c.TokenFile == "" && (c.AccessKey == "" || c.SecretKey == "") {
		return fmt.Errorf("%w: access key and secret key (or a bearer token) are required", ErrConfig)
	}
	if c.Timeout <= 0 || c.Retries < 0 || c.Backoff < 0 || c.MaxBackoff < c.Backoff {
		return fmt.Errorf("%w: timeout must be positive, retries and backoff non-negative", ErrConfig)
	}
	return nil
}

// splitEndpoint returns scheme and host:port of an endpoint.
func splitEndpoint(e string) (scheme, host string, err error) {
	scheme, host = "http", strings.TrimSuffix(e, "/")
	if s, h, ok := strings.Cut(host, "://"); ok {
		scheme, host = s, h
	}
	if (scheme != "http" && scheme != "https") || host == "" || strings.ContainsAny(host, "/?#@ ") {
		return "", "", fmt.Errorf("%w: bad endpoint %q (want http://host:port)", ErrConfig, e)
	}
	return scheme, host, nil
}

// tlsConfig is the TLS config for https endpoints.
func (c Config) tlsConfig() (*tls.Config, error) {
	if c.TLS != nil {
		return c.TLS, nil
	}
	if c.CAFile == "" {
		return nil, nil // fasthttp's default: system roots
	}
	b, err := os.ReadFile(c.CAFile)
	if err != nil {
		return nil, fmt.Errorf("%w: CA file: %w", ErrConfig, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("%w: CA file %s holds no PEM certificate", ErrConfig, c.CAFile)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

type staleKey struct{}

// Stale returns a context whose reads may be served from a node's local,
// possibly stale state (faster, no leader round trip).
func Stale(ctx context.Context) context.Context {
	return context.WithValue(ctx, staleKey{}, true)
}

func isStale(ctx context.Context) bool {
	v, _ := ctx.Value(staleKey{}).(bool)
	return v
}
