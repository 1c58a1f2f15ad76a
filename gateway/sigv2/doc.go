// Package sigv2 implements the server side of AWS Signature Version 2 for
// S3 — the HMAC-SHA1 scheme older tools, browser forms and test suites
// still sign with: the Authorization header ("AWS key:signature"), the
// presigned query string (AWSAccessKeyId, Expires, Signature) and the
// string to sign of a browser POST policy (the base64 policy itself).
//
// SigV2 does not sign the payload; callers verify Content-MD5 (when
// given) while the body streams. Like sigv4 the package is pure: no
// network, no state, the clock comes from callers.
package sigv2
