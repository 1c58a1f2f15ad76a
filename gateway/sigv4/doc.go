// Package sigv4 implements the server side of AWS Signature Version 4 for
// S3: parsing of the Authorization header and of presigned query strings,
// the canonical request and signing key derivation, and a streaming decoder
// for aws-chunked payloads (signed chunks, unsigned chunks with trailers,
// signed chunks with signed trailers) that verifies chunk signatures and
// trailing checksums while the body streams.
//
// The package is pure: it never touches the network, keeps no state and
// takes the clock from its callers.
package sigv4
