package client

import (
	"context"
	"fmt"

	"github.com/datamon-io/datamon/reqid"
	"github.com/valyala/fasthttp"
)

// HeaderRequestID carries a write's request ID (see package reqid).
const HeaderRequestID = reqid.Header

type requestIDKey struct{}

// WithRequestID makes the next write sent with ctx carry id (reqid format:
// "<unix ms>-<token>", see NewRequestID) instead of a fresh one. A caller
// that must survive its own restart (a job that persists the ID with its
// intent) resends with the same ID and gets the first outcome. Use one ID
// per logical operation: the cluster refuses an ID reused for another
// operation (model.ErrRequestReused).
func WithRequestID(ctx context.Context, id string) (context.Context, error) {
	if _, err := reqid.Parse(id); err != nil {
		return ctx, fmt.Errorf("client: %w", err)
	}
	return context.WithValue(ctx, requestIDKey{}, id), nil
}

// NewRequestID returns a fresh request ID issued now.
func (c *Client) NewRequestID() string { return reqid.New(c.cfg.Now()) }

// requestID is the ID every attempt of one write sends: ctx's, or a fresh
// one; "" for reads.
func (c *Client) requestID(ctx context.Context, method string) string {
	if method == fasthttp.MethodGet || method == fasthttp.MethodHead {
		return ""
	}
	if id, ok := ctx.Value(requestIDKey{}).(string); ok {
		return id
	}
	return c.NewRequestID()
}
