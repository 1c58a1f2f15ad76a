package gateway

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/datamon-io/datamon/gateway/sigv2"
	"github.com/datamon-io/datamon/gateway/sigv4"
)

// AWS Signature Version 2 (HMAC-SHA1) is accepted on the Authorization
// header, on presigned URLs and on browser POST policies: many tools, HTML
// forms and test suites still sign with it. It does not sign the payload,
// so a V2 request's body is trusted as an unsigned payload (Content-MD5,
// x-amz-checksum-* and a hex x-amz-content-sha256, when sent, are still
// verified); signed streaming payloads need SigV4 and are refused.

var errV2Streaming = errf(400, "InvalidRequest", "aws-chunked signed payloads need AWS Signature Version 4")

// authenticateV2 verifies a SigV2 header (presigned false) or presigned
// query string and resolves the identity.
func (r *req) authenticateV2(presigned bool) error {
	now := r.s.cfg.Clock()
	var ak, sig, date string
	if presigned {
		if r.header("Authorization") != "" {
			return errf(400, "InvalidArgument", "Only one auth mechanism allowed")
		}
		ak, sig, date = r.query.Get("AWSAccessKeyId"), r.query.Get("Signature"), r.query.Get("Expires")
		exp, err := strconv.ParseInt(date, 10, 64)
		if ak == "" || sig == "" || err != nil {
			return errf(403, "AccessDenied", "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters")
		}
		if now.After(time.Unix(exp, 0)) {
			return errExpired
		}
	} else {
		var err error
		if ak, sig, err = sigv2.ParseAuthorization(r.header("Authorization")); err != nil {
			return errf(400, "AuthorizationHeaderMalformed", "The authorization header is malformed; SigV2 is \"AWS <access key>:<signature>\"")
		}
		ds := r.header("X-Amz-Date")
		if ds == "" {
			ds, date = r.header("Date"), r.header("Date")
		}
		t, err := http.ParseTime(ds)
		if err != nil {
			if t, err = sigv4.ParseAmzDate(ds); err != nil {
				return errf(403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header")
			}
		}
		if d := now.Sub(t); d > r.s.cfg.MaxClockSkew || d < -r.s.cfg.MaxClockSkew {
			return errSkewed
		}
	}
	switch r.header("X-Amz-Content-Sha256") {
	case sigv4.StreamingSigned, sigv4.StreamingSignedTrailer:
		return errV2Streaming
	}
	token := r.sessionToken()
	secret, id, err := r.lookupSecret(ak, token, false)
	if err != nil {
		return lookupErr(err)
	}
	old, ok, sts := r.verifyV2Paths(secret, id, now, sig, date)
	if !ok && r.retryFresh(token) { // a secret the leader just set (Keys)
		if secret, id, err = r.lookupSecret(ak, token, true); err != nil {
			return lookupErr(err)
		}
		old, ok, sts = r.verifyV2Paths(secret, id, now, sig, date)
	}
	if !ok {
		r.s.log.Debug("gateway: sigv2 signature mismatch", "req", r.reqID, "string_to_sign", sts)
		return ErrSignatureMismatch
	}
	return r.setV2Auth(ak, id.signedWith(ak, old), now)
}

// verifyV2Paths verifies sig over the request's string to sign.
func (r *req) verifyV2Paths(secret string, id Identity, now time.Time, sig, date string) (old, ok bool, sts string) {
	for _, slash := range []bool{false, true} {
		if slash && r.key != "" {
			break
		}
		// A bucket's own resource is signed "/bucket/" by most signers
		// (AWS's rule), "/bucket" by some: the path as sent is tried first.
		sts = r.stringToSignV2(date, slash)
		if old, ok = verifyV2(secret, id, now, sig, sts); ok {
			break
		}
	}
	return old, ok, sts
}

// setV2Auth records a verified SigV2 caller: the payload is unsigned
// unless the client hashed it; key is non-nil (the request is verified)
// but never signs chunks (errV2Streaming).
func (r *req) setV2Auth(ak string, id Identity, now time.Time) error {
	payload := r.header("X-Amz-Content-Sha256")
	if payload == "" {
		payload = sigv4.UnsignedPayload
	}
	r.auth = authResult{id: id, payload: payload, key: []byte{}, time: now, scope: sigv4.Scope{AccessKey: ak}}
	return nil
}

// verifyV2 checks sig with the key's secret and, in a rotation's grace
// period, with its previous one (old).
func verifyV2(secret string, id Identity, now time.Time, sig, sts string) (old, ok bool) {
	if sigv2.Equal(sigv2.Sign(secret, sts), sig) {
		return false, true
	}
	ok = id.OldSecret != "" && now.Before(id.OldSecretUntil) && sigv2.Equal(sigv2.Sign(id.OldSecret, sts), sig)
	return ok, ok
}

// stringToSignV2 is the request's SigV2 string to sign; date is the Date
// header ("" when x-amz-date is sent) or the presigned Expires.
func (r *req) stringToSignV2(date string, bucketSlash bool) string {
	h := &r.c.Request.Header
	var names []string
	for k := range h.All() {
		names = append(names, string(k))
	}
	raw := string(r.c.Request.URI().PathOriginal())
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		raw = raw[:i]
	}
	prefix := ""
	if r.virtualHost() {
		prefix = "/" + r.bucket
	}
	if bucketSlash && !strings.HasSuffix(raw, "/") {
		raw += "/"
	}
	return sigv2.StringToSign(string(r.c.Method()), r.header("Content-Md5"), string(h.ContentType()), date,
		sigv2.CanonicalAmzHeaders(names, r.headerValues), sigv2.CanonicalResource(prefix, raw, r.query))
}

// virtualHost tells a virtual-host-style request (the bucket is in Host).
func (r *req) virtualHost() bool {
	if r.bucket == "" {
		return false
	}
	host := strings.ToLower(string(r.c.Request.Header.Host()))
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	for _, d := range r.s.cfg.Domains {
		if host == r.bucket+"."+d {
			return true
		}
	}
	return false
}

// postAuthV2 checks a browser POST policy signed with SigV2 (fields
// AWSAccessKeyId and signature over the base64 policy).
func (r *req) postAuthV2(fields map[string]string) error {
	ak, sig, policy := fields["awsaccesskeyid"], fields["signature"], fields["policy"]
	if ak == "" || sig == "" || policy == "" {
		return errf(400, "InvalidArgument", "a SigV2 POST needs the AWSAccessKeyId, policy and signature fields")
	}
	now := r.s.cfg.Clock()
	token := fields["x-amz-security-token"]
	secret, id, err := r.lookupSecret(ak, token, false)
	if err != nil {
		return lookupErr(err)
	}
	old, ok := verifyV2(secret, id, now, sig, policy)
	if !ok && r.retryFresh(token) { // a secret the leader just set (Keys)
		if secret, id, err = r.lookupSecret(ak, token, true); err != nil {
			return lookupErr(err)
		}
		old, ok = verifyV2(secret, id, now, sig, policy)
	}
	if !ok {
		return ErrSignatureMismatch
	}
	return r.setV2Auth(ak, id.signedWith(ak, old), now)
}
