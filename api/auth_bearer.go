package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/valyala/fasthttp"

	"github.com/datamon-io/datamon/model"
)

// Tokens verifies bearer tokens: "Authorization: Bearer <JWT>" from a
// configured issuer (jwtauth.Verifier implements it). The key it returns
// carries the token's user as contributor and the token's grants; it has no
// secret. Refusals wrap model.ErrUnauthenticated.
type Tokens interface {
	Authenticate(ctx context.Context, token string) (model.AccessKey, error)
}

const bearerPrefix = "Bearer "

// bearerToken returns the token of an "Authorization: Bearer" header.
func bearerToken(rc *fasthttp.RequestCtx) (string, bool) {
	h := rc.Request.Header.Peek(fasthttp.HeaderAuthorization)
	if len(h) < len(bearerPrefix) || !bytes.EqualFold(h[:len(bearerPrefix)], []byte(bearerPrefix)) {
		return "", false
	}
	return string(bytes.TrimSpace(h[len(bearerPrefix):])), true
}

// authenticateBearer verifies a bearer token through Config.Tokens. Nothing
// of the request is looked at but the token: a bearer request is not signed.
func (s *Server) authenticateBearer(ctx context.Context, token string) (model.AccessKey, error) {
	if s.cfg.Tokens == nil {
		return model.AccessKey{}, fmt.Errorf("%w: bearer tokens are not accepted: no JWT issuer is configured on this node", model.ErrUnauthenticated)
	}
	k, err := s.cfg.Tokens.Authenticate(ctx, token)
	if err != nil {
		if !errors.Is(err, model.ErrUnauthenticated) {
			err = fmt.Errorf("%w: %w", model.ErrUnauthenticated, err)
		}
		return model.AccessKey{}, err
	}
	k.Secret, k.OldSecret = "", ""
	return k, nil
}
