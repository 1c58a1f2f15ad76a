package gateway

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/url"
	"strings"

	"github.com/datamon-io/datamon/gateway/sigv4"
)

// Tokens is the optional seam for JSON Web Tokens (Config.Tokens; package
// sts implements it): bearer requests, temporary credentials (SigV4 with
// X-Amz-Security-Token) and the STS AssumeRoleWithWebIdentity endpoint.
type Tokens interface {
	// Bearer verifies the JWT of "Authorization: Bearer <JWT>".
	Bearer(ctx context.Context, token string) (Identity, error)
	// Session returns the secret of temporary credentials accessKey when
	// sessionToken vouches for it, and the identity they carry.
	Session(ctx context.Context, accessKey, sessionToken string) (secret string, id Identity, err error)
	// STS answers an STS request with its XML body and HTTP status.
	STS(ctx context.Context, req STSRequest) (status int, body []byte)
}

// STSRequest is an STS query request (POST form body or GET query).
type STSRequest struct {
	Method      string
	ContentType string
	Query       url.Values
	Body        []byte
	RequestID   string
	RemoteAddr  string
}

// Token refusals a Tokens implementation returns (possibly wrapped).
var (
	ErrInvalidToken = errors.New("gateway: invalid token") // 403 InvalidToken
	ErrExpiredToken = errors.New("gateway: expired token") // 403 ExpiredToken
)

var (
	errInvalidToken = errf(403, "InvalidToken", "The provided token is malformed or otherwise invalid.")
	errExpiredToken = errf(403, "ExpiredToken", "The provided token has expired.")
	errNoTokens     = errf(403, "InvalidToken", "Session and bearer tokens are not accepted: no JWT issuer is configured on this gateway.")
)

// maxSTSBody bounds an STS request body (the JWT is bounded by the verifier).
const maxSTSBody = 64 << 10

// tokenErr maps a Tokens refusal to its S3 error; other errors (503, ...)
// pass through.
func tokenErr(err error) error {
	switch {
	case errors.Is(err, ErrExpiredToken):
		return errExpiredToken
	case errors.Is(err, ErrInvalidToken), errors.Is(err, ErrAccessDenied):
		return errInvalidToken
	}
	return err
}

// lookupSecret resolves the signing secret of a SigV4 request: temporary
// credentials when a session token comes with it, an access key otherwise.
// fresh asks Keys for linearizable state (see Keys).
func (r *req) lookupSecret(accessKey, sessionToken string, fresh bool) (string, Identity, error) {
	if sessionToken == "" {
		ctx := r.ctx()
		if fresh {
			ctx = WithFreshKey(ctx)
		}
		return r.s.keys.LookupKey(ctx, accessKey)
	}
	if r.s.cfg.Tokens == nil {
		return "", Identity{}, errNoTokens
	}
	secret, id, err := r.s.cfg.Tokens.Session(r.ctx(), accessKey, sessionToken)
	if err != nil {
		return "", Identity{}, tokenErr(err)
	}
	id.RaftKey = false // temporary credentials: no key in the metadata store
	return secret, id, nil
}

// retryFresh says whether a signature that did not verify against the
// key as this node has it is worth a linearizable lookup: access keys
// (not temporary credentials) on requests that may change state.
func (r *req) retryFresh(sessionToken string) bool {
	m := string(r.c.Method())
	return sessionToken == "" && m != "GET" && m != "HEAD"
}

// lookupErr maps a failed key lookup to the S3 refusal.
func lookupErr(err error) error {
	if errors.Is(err, ErrAccessDenied) || errors.Is(err, ErrNoSuchKey) || errors.Is(err, ErrInvalidArgument) {
		return errUnknownKey
	}
	return err
}

// sessionToken is the request's X-Amz-Security-Token (header or presigned query).
func (r *req) sessionToken() string {
	if t := r.header("X-Amz-Security-Token"); t != "" {
		return t
	}
	return r.query.Get("X-Amz-Security-Token")
}

// bearer authenticates "Authorization: Bearer <JWT>". The request is not
// signed: its payload is checked against x-amz-content-sha256 when that is a
// digest, and signed streaming payloads (which need a signing key) are refused.
func (r *req) bearer(token string) error {
	if r.s.cfg.Tokens == nil {
		return errNoTokens
	}
	id, err := r.s.cfg.Tokens.Bearer(r.ctx(), token)
	if err != nil {
		return tokenErr(err)
	}
	payload := r.header("X-Amz-Content-Sha256")
	switch payload {
	case "":
		payload = sigv4.UnsignedPayload
	case sigv4.StreamingSigned, sigv4.StreamingSignedTrailer:
		return errf(400, "InvalidRequest", "a bearer-token request cannot carry a signed streaming payload; use UNSIGNED-PAYLOAD or STREAMING-UNSIGNED-PAYLOAD-TRAILER")
	}
	id.RaftKey = false // a token's principal: no key in the metadata store
	r.auth = authResult{ok: true, id: id, payload: payload, time: r.s.cfg.Clock()}
	return nil
}

// bearerToken returns the token of an "Authorization: Bearer" header.
func bearerToken(authz string) (string, bool) {
	const p = "Bearer "
	if len(authz) < len(p) || !strings.EqualFold(authz[:len(p)], p) {
		return "", false
	}
	return strings.TrimSpace(authz[len(p):]), true
}

// isSTS tells an STS query request: on the service root, with an Action
// parameter in the query or a form body. Only when Tokens is configured.
func (r *req) isSTS() bool {
	if r.s.cfg.Tokens == nil || r.bucket != "" || r.key != "" {
		return false
	}
	if r.query.Has("Action") {
		return true
	}
	ct := bytes.ToLower(r.c.Request.Header.ContentType())
	return r.c.IsPost() && bytes.HasPrefix(ct, []byte("application/x-www-form-urlencoded"))
}

// sts reads the (unsigned) request and hands it to Tokens.STS.
func (r *req) sts() {
	if n := r.c.Request.Header.ContentLength(); n > maxSTSBody {
		r.writeErr(errf(400, "MaxMessageLengthExceeded", "Your request was too big."))
		return
	}
	var raw io.Reader
	if st := r.c.RequestBodyStream(); st != nil {
		raw = st
	} else {
		raw = bytes.NewReader(r.c.Request.Body())
	}
	body, err := io.ReadAll(io.LimitReader(raw, maxSTSBody+1))
	if err != nil {
		r.writeErr(ErrIncompleteBody)
		return
	}
	if len(body) > maxSTSBody {
		r.writeErr(errf(400, "MaxMessageLengthExceeded", "Your request was too big."))
		return
	}
	status, out := r.s.cfg.Tokens.STS(r.ctx(), STSRequest{
		Method: string(r.c.Method()), ContentType: string(r.c.Request.Header.ContentType()),
		Query: r.query, Body: body, RequestID: r.reqID, RemoteAddr: r.c.RemoteAddr().String(),
	})
	if status == 503 {
		r.c.Response.Header.Set("Retry-After", retryAfter(r.s.cfg.RetryAfter))
	}
	r.c.Response.SetStatusCode(status)
	r.c.Response.Header.SetContentType("text/xml")
	r.c.Response.SetBodyRaw(out)
}
