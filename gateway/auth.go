package gateway

import (
	"errors"
	"strings"
	"time"

	"github.com/datamon-io/datamon/gateway/sigv4"
)

// authResult is what authentication established about the request.
type authResult struct {
	// ok: the caller was authenticated (a verified signature, or a
	// verified bearer token, which has no signing key).
	ok      bool
	id      Identity
	payload string // x-amz-content-sha256, UNSIGNED-PAYLOAD for presigned
	key     []byte // signing key (streaming signatures)
	seed    string // request signature (seed of the chunk chain)
	time    time.Time
	scope   sigv4.Scope
}

var (
	errAnonymous   = errf(403, "AccessDenied", "Anonymous access is not allowed; sign requests with AWS Signature Version 4")
	errExpired     = errf(403, "AccessDenied", "Request has expired")
	errNotYetValid = errf(403, "AccessDenied", "Request is not valid yet")
	errSkewed      = errf(403, "RequestTimeTooSkewed", "The difference between the request time and the server's time is too large.")
	errUnknownKey  = errf(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
)

func malformedAuth(err error) *apiError {
	if errors.Is(err, sigv4.ErrUnsupportedAlgo) {
		return errf(400, "AuthorizationHeaderMalformed", "Unsupported signing algorithm; use AWS4-HMAC-SHA256")
	}
	return errf(400, "AuthorizationHeaderMalformed", "The authorization header is malformed: "+err.Error())
}

// authenticate verifies the SigV4 signature (header or presigned query)
// and resolves the identity. Payload verification happens later, while the
// body streams.
func (r *req) authenticate() error {
	authz := r.header("Authorization")
	var (
		a   sigv4.Auth
		err error
		t   time.Time
	)
	now := r.s.cfg.Clock()
	switch {
	case r.query.Has("X-Amz-Algorithm") || r.query.Has("X-Amz-Signature"):
		if authz != "" {
			return errf(400, "InvalidArgument", "Only one auth mechanism allowed")
		}
		if a, err = sigv4.ParsePresigned(r.query); err != nil {
			if errors.Is(err, sigv4.ErrMalformedDate) {
				return errf(400, "AuthorizationQueryParametersError", "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
			}
			return errf(400, "AuthorizationQueryParametersError", "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters: "+err.Error())
		}
		t = a.Date
		if now.After(t.Add(a.Expires)) {
			return errExpired
		}
		if t.After(now.Add(r.s.cfg.MaxClockSkew)) {
			return errNotYetValid
		}
	case r.query.Has("AWSAccessKeyId") || r.query.Has("Signature"):
		return r.authenticateV2(true) // authv2.go
	case strings.HasPrefix(authz, "AWS "):
		return r.authenticateV2(false)
	case authz == "":
		return errAnonymous
	case strings.HasPrefix(strings.ToLower(authz), "bearer "):
		tok, _ := bearerToken(authz)
		return r.bearer(tok) // tokens.go
	default:
		if a, err = sigv4.ParseAuthorization(authz); err != nil {
			return malformedAuth(err)
		}
		ds := r.header("X-Amz-Date")
		if ds == "" {
			if d := r.header("Date"); d != "" {
				if t, err = time.Parse(time.RFC1123, d); err != nil {
					return errf(403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header")
				}
			} else {
				return errf(403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header")
			}
		} else if t, err = sigv4.ParseAmzDate(ds); err != nil {
			return errf(403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header")
		}
		if d := now.Sub(t); d > r.s.cfg.MaxClockSkew || d < -r.s.cfg.MaxClockSkew {
			return errSkewed
		}
	}
	if a.Scope.Service != "s3" {
		return errf(400, "AuthorizationHeaderMalformed", "The authorization scope service must be 's3'")
	}
	if a.Scope.Date != t.UTC().Format("20060102") {
		return errf(400, "AuthorizationHeaderMalformed", "The authorization scope date does not match the request date")
	}
	if !contains(a.SignedHeaders, "host") {
		return errf(400, "AuthorizationHeaderMalformed", "The host header must be signed")
	}
	token := r.sessionToken()
	secret, id, err := r.lookupSecret(a.Scope.AccessKey, token, false) // tokens.go
	if err != nil {
		return lookupErr(err)
	}
	payload := r.header("X-Amz-Content-Sha256")
	if payload == "" {
		payload = sigv4.UnsignedPayload
		if !a.Presigned && contains(a.SignedHeaders, "x-amz-content-sha256") {
			return ErrSignatureMismatch
		}
	}
	req := sigv4.Request{
		Method:      string(r.c.Method()),
		Path:        r.path,
		RawQuery:    r.rawQuery,
		Header:      r.headerValues,
		PayloadHash: payload,
	}
	if a.Presigned && r.header("X-Amz-Content-Sha256") == "" {
		req.PayloadHash = sigv4.UnsignedPayload
	}
	sts := sigv4.StringToSign(t, a.Scope, sigv4.CanonicalRequest(req, a.SignedHeaders, a.Presigned))
	key, want, old, ok := verifySecrets(secret, id, now, a, sts)
	if !ok && r.retryFresh(token) { // a secret the leader just set (Keys)
		if secret, id, err = r.lookupSecret(a.Scope.AccessKey, token, true); err != nil {
			return lookupErr(err)
		}
		key, want, old, ok = verifySecrets(secret, id, now, a, sts)
	}
	if !ok {
		r.s.log.Debug("gateway: signature mismatch", "req", r.reqID, "string_to_sign", sts)
		return ErrSignatureMismatch
	}
	id = id.signedWith(a.Scope.AccessKey, old)
	r.auth = authResult{ok: true, id: id, payload: payload, key: key, seed: want, time: t, scope: a.Scope}
	return nil
}

// verifySecrets checks the signature with the key's secret and, in a
// rotation's grace period (now before id.OldSecretUntil), with its previous
// secret. It returns the signing key and signature that matched (streaming
// payloads chain from them) and whether the previous secret did (old).
func verifySecrets(secret string, id Identity, now time.Time, a sigv4.Auth, sts string) (key []byte, sig string, old, ok bool) {
	key = sigv4.SigningKey(secret, a.Scope)
	sig = sigv4.Sign(key, sts)
	if sigv4.Equal(sig, a.Signature) {
		return key, sig, false, true
	}
	if id.OldSecret == "" || !now.Before(id.OldSecretUntil) {
		return nil, "", false, false
	}
	key = sigv4.SigningKey(id.OldSecret, a.Scope)
	sig = sigv4.Sign(key, sts)
	ok = sigv4.Equal(sig, a.Signature)
	return key, sig, ok, ok
}

// headerValues returns the values of a lower-case header name for the
// canonical request.
func (r *req) headerValues(name string) []string {
	h := &r.c.Request.Header
	switch name {
	case "host":
		return []string{string(h.Host())}
	case "content-length":
		return []string{string(h.Peek("Content-Length"))}
	case "content-type":
		return []string{string(h.ContentType())}
	}
	all := h.PeekAll(name)
	out := make([]string, 0, len(all))
	for _, v := range all {
		out = append(out, string(v))
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
