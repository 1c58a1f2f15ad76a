package client

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/datamon-io/datamon/apiauth"
	"github.com/valyala/fasthttp"
)

// once sends cl to one endpoint. Non-2xx answers become *APIError.
func (c *Client) once(ctx context.Context, ep endpoint, cl call) (int, []byte, error) {
	if err := ctx.Err(); err != nil {
		return 0, nil, err
	}
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	owned := true // false once an abandoned request's goroutine owns req and resp
	defer func() {
		if owned {
			fasthttp.ReleaseRequest(req)
			fasthttp.ReleaseResponse(resp)
		}
	}()

	uri := ep.base + escapePath(cl.path)
	if q := apiauth.CanonicalQuery(cl.query); q != "" {
		uri += "?" + q
	}
	req.SetRequestURI(uri)
	req.Header.SetMethod(cl.method)
	digest := apiauth.UnsignedPayload
	if !cl.unsigned {
		digest = apiauth.BodyDigest(cl.body)
	}
	if len(cl.body) > 0 {
		req.SetBodyRaw(cl.body)
		if cl.unsigned {
			req.Header.SetContentType("application/octet-stream")
		} else {
			req.Header.SetContentType("application/json")
		}
	}
	req.Header.Set(apiauth.HeaderContentDigest, digest)
	if cl.requestID != "" {
		req.Header.Set(HeaderRequestID, cl.requestID)
	}
	auth, err := c.authorization(cl, digest)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set(fasthttp.HeaderAuthorization, auth)

	if err := c.send(ctx, req, resp, &owned); err != nil {
		return 0, nil, fmt.Errorf("client: %s %s%s: %w", cl.method, ep.base, cl.path, err)
	}
	status := resp.StatusCode()
	body := append([]byte(nil), resp.Body()...)
	if status < 200 || status > 299 {
		ae := decodeError(ep.base, status, body)
		ae.RetryAfter = parseRetryAfter(string(resp.Header.Peek(fasthttp.HeaderRetryAfter)), time.Now())
		return status, nil, ae
	}
	return status, body, nil
}

// send sends req with the call's deadline and returns early, with ctx's error,
// when ctx is cancelled (Ctrl-C): fasthttp itself only knows deadlines. The
// abandoned exchange finishes (or times out) in the background, which then
// releases req and resp (*owned becomes false).
func (c *Client) send(ctx context.Context, req *fasthttp.Request, resp *fasthttp.Response, owned *bool) error {
	deadline := deadlineFor(ctx, c.cfg.Timeout)
	if ctx.Done() == nil {
		return c.hc.DoDeadline(req, resp, deadline)
	}
	errc := make(chan error, 1)
	go func() { errc <- c.hc.DoDeadline(req, resp, deadline) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		*owned = false
		go func() {
			<-errc
			fasthttp.ReleaseRequest(req)
			fasthttp.ReleaseResponse(resp)
		}()
		return ctx.Err()
	}
}

// escapePath escapes each segment of an unescaped path.
func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// deadlineFor is now+timeout or ctx's deadline, whichever is first.
func deadlineFor(ctx context.Context, timeout time.Duration) time.Time {
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	return deadline
}
