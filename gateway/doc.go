// Package gateway is datamon's S3-compatible protocol layer on
// valyala/fasthttp: request routing (path-style and virtual-host-style),
// SigV4 authentication (header, presigned query, aws-chunked streaming
// payloads with trailing checksums, see gateway/sigv4), S3 XML requests and
// responses, and S3 error mapping. Everything product-specific sits behind
// the Backend interface (backend.go); gateway/memback is an in-memory
// reference implementation used by the tests.
//
// Bodies are streamed in both directions: PUT bodies reach the backend as a
// reader that verifies payload hashes, chunk signatures and checksums on the
// fly and fails before EOF when anything is wrong, so the backend never
// makes a bad object visible.
package gateway
