package api

import (
	"context"
	"fmt"

	"github.com/datamon-io/datamon/apiauth"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/reqid"
	"github.com/valyala/fasthttp"
)

// HeaderRequestID carries the client-chosen ID of a mutating call
// (exactly-once writes: a resend with the same ID gets the first outcome).
const HeaderRequestID = reqid.Header

// withRequestID attaches the request's ID, if it sent one, to ctx: the
// metadata layer then applies its writes at most once per (key, ID) and
// answers a resend with the first outcome. Reads ignore the header. A
// malformed ID is refused (model.ErrInvalid) before anything runs.
func withRequestID(ctx context.Context, rc *fasthttp.RequestCtx, key model.AccessKey) (context.Context, error) {
	raw := rc.Request.Header.Peek(HeaderRequestID)
	if len(raw) == 0 || rc.IsGet() || rc.IsHead() {
		return ctx, nil
	}
	id := string(raw)
	issued, err := reqid.Parse(id)
	if err != nil {
		return ctx, fmt.Errorf("%w: %s: %w", model.ErrInvalid, HeaderRequestID, err)
	}
	r := &reqid.Request{
		Scope:  requestScope(key),
		ID:     id,
		Issued: issued,
		Sum: reqid.Digest(string(rc.Method()), string(rc.Path()),
			apiauth.CanonicalQuery(queryValues(rc)), rc.Request.Body()),
	}
	return reqid.With(ctx, r), nil
}

// requestScope is whose IDs a request's ID is unique among: the user, so a
// resend signed with a rotated key still matches, or the key without one.
func requestScope(k model.AccessKey) string {
	if k.User != "" {
		return "u:" + k.User
	}
	return "k:" + k.ID
}
