package gateway

import (
	"io"
	"strconv"

	"github.com/valyala/fasthttp"
)

// Early answers. A request the gateway refuses from its headers alone
// (signature, permission-free checks, behaviour headers, a declared size
// past MaxObjectSize) is answered before its body is sent when the client
// asked "Expect: 100-continue" (expect runs the checks in place of
// fasthttp's automatic 100 Continue), and otherwise after the unread body
// is drained (up to maxDrain), so the client reads the answer instead of a
// connection reset.

const (
	preflightValue = "datamon.gateway.preflight"
	// maxDrain bounds the unread body read after an error answer; past
	// it the connection is closed after the answer.
	maxDrain = 16 << 20
)

// expect is fasthttp's ExpectHandler: the header checks of the request
// run first (through guard, so refusals are throttled and audited); a
// refusal is answered now, with the connection closed, the client never
// sending its body; otherwise 100 Continue and the request runs as usual.
func (s *Server) expect(c *fasthttp.RequestCtx) int {
	c.SetUserValue(preflightValue, true)
	s.guard(c)
	c.RemoveUserValue(preflightValue)
	r, _ := c.UserValue(reqValue).(*req)
	c.RemoveUserValue(reqValue)
	if r != nil && r.errCode != "" {
		return c.Response.StatusCode()
	}
	c.Response.Reset()
	return fasthttp.StatusContinue
}

func isPreflight(c *fasthttp.RequestCtx) bool {
	v, _ := c.UserValue(preflightValue).(bool)
	return v
}

// preBody is what preflight checks beyond authentication and the
// behaviour headers: the declared size of an upload.
func (r *req) preBody() error {
	if r.c.IsPut() || r.c.IsPost() {
		n := int64(r.c.Request.Header.ContentLength())
		if d := r.header("X-Amz-Decoded-Content-Length"); d != "" {
			if v, err := strconv.ParseInt(d, 10, 64); err == nil {
				n = v
			}
		}
		if n > r.s.cfg.MaxObjectSize {
			return ErrEntityTooLarge
		}
	}
	return nil
}

// drainAfterError reads what is left of the body of a refused request
// (bounded by maxDrain; past it the connection closes after the answer).
func (r *req) drainAfterError() {
	if r.errCode == "" || isPreflight(r.c) {
		return
	}
	st := r.c.RequestBodyStream()
	if st == nil {
		return
	}
	if cl := r.c.Request.Header.ContentLength(); cl > maxDrain {
		r.c.SetConnectionClose()
		return
	}
	if n, _ := io.CopyN(io.Discard, st, maxDrain+1); n > maxDrain {
		r.c.SetConnectionClose()
	}
}
