package api

import (
	"bytes"
	"crypto/subtle"
	"fmt"

	"github.com/valyala/fasthttp"

	"github.com/datamon-io/datamon/model"
)

// metricsBearer decides GET /metrics requests that carry a bearer token
// (Prometheus' `authorization: credentials:`): ok when the token equals
// Config.MetricsToken; an ErrUnauthenticated error when a bearer token is
// sent but none is configured or it differs. Requests without a bearer
// token, and every other route, go through the signature check (false, nil).
func (s *Server) metricsBearer(rc *fasthttp.RequestCtx, method, path string) (bool, error) {
	if path != "/metrics" || method != fasthttp.MethodGet {
		return false, nil
	}
	h := rc.Request.Header.Peek(fasthttp.HeaderAuthorization)
	const prefix = "Bearer "
	if len(h) < len(prefix) || !bytes.EqualFold(h[:len(prefix)], []byte(prefix)) {
		return false, nil
	}
	if s.cfg.MetricsToken == "" {
		return false, fmt.Errorf("%w: bearer token on /metrics but no metrics token is configured on this node", model.ErrUnauthenticated)
	}
	got := bytes.TrimSpace(h[len(prefix):])
	if subtle.ConstantTimeCompare(got, []byte(s.cfg.MetricsToken)) != 1 {
		return false, fmt.Errorf("%w: wrong metrics token", model.ErrUnauthenticated)
	}
	return true, nil
}
