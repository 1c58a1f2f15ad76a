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
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)

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
	auth := apiauth.Sign(c.cfg.AccessKey, c.cfg.SecretKey, apiauth.Request{
		Method: cl.method, Path: cl.path, Query: cl.query, BodyDigest: digest,
	}, c.cfg.Now())
	req.Header.Set(fasthttp.HeaderAuthorization, auth)

	if err := c.hc.DoDeadline(req, resp, deadlineFor(ctx, c.cfg.Timeout)); err != nil {
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
