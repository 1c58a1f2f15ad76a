package peer

import (
	"context"
	"errors"
	"syscall"

	"github.com/datamon-io/datamon/shard"
	"github.com/valyala/fasthttp"
)

// errorKindHeader names the sentinel behind a non-2xx shard answer, so a
// bare 404 from an unknown route is never mistaken for a missing shard.
const errorKindHeader = "X-Datamon-Error"

const (
	kindNotFound   = "not-found"
	kindCorrupt    = "corrupt"
	kindBadShard   = "bad-shard"
	kindNoSpace    = "no-space"
	kindBadRequest = "bad-request"
	kindClosed     = "closed"
)

// errorStatus maps a shard store error to an HTTP status and error kind.
func errorStatus(err error) (int, string) {
	switch {
	case errors.Is(err, shard.ErrNotFound):
		return fasthttp.StatusNotFound, kindNotFound
	case errors.Is(err, shard.ErrCorrupt):
		return fasthttp.StatusConflict, kindCorrupt
	case errors.Is(err, shard.ErrBadShard), errors.Is(err, shard.ErrBadIndex):
		return fasthttp.StatusUnprocessableEntity, kindBadShard
	case errors.Is(err, ErrBadRequest):
		return fasthttp.StatusBadRequest, kindBadRequest
	case errors.Is(err, syscall.ENOSPC):
		return fasthttp.StatusInsufficientStorage, kindNoSpace
	case errors.Is(err, shard.ErrClosed), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fasthttp.StatusServiceUnavailable, kindClosed
	}
	return fasthttp.StatusInternalServerError, ""
}

// writeError answers with err mapped to a status and kind header.
func writeError(ctx *fasthttp.RequestCtx, err error) {
	code, kind := errorStatus(err)
	ctx.Error(err.Error(), code) // resets headers: set the kind afterwards
	if kind != "" {
		ctx.Response.Header.Set(errorKindHeader, kind)
	}
}

// statusError turns a non-2xx answer into a *StatusError whose Unwrap gives
// the matching sentinel. Shard sentinels are restored only on shard routes
// and only when the peer named the kind.
func statusError(code int, kind, msg string, shardRoute bool) error {
	e := &StatusError{Code: code, Msg: msg}
	switch {
	case code == fasthttp.StatusUnauthorized:
		e.err = ErrUnauthorized
	case code == fasthttp.StatusInsufficientStorage && kind == kindNoSpace:
		e.err = ErrNoSpace
	case code == fasthttp.StatusBadRequest && kind == kindBadRequest:
		e.err = ErrBadRequest
	case !shardRoute:
	case code == fasthttp.StatusNotFound && kind == kindNotFound:
		e.err = shard.ErrNotFound
	case code == fasthttp.StatusConflict && kind == kindCorrupt:
		e.err = shard.ErrCorrupt
	case code == fasthttp.StatusUnprocessableEntity && kind == kindBadShard:
		e.err = shard.ErrBadShard
	case code == fasthttp.StatusServiceUnavailable && kind == kindClosed:
		e.err = ErrUnreachable
	}
	return e
}
