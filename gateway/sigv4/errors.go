package sigv4

import "errors"

// Sentinel errors.
var (
	ErrMalformedAuth      = errors.New("sigv4: malformed authorization")
	ErrUnsupportedAlgo    = errors.New("sigv4: unsupported algorithm")
	ErrMalformedDate      = errors.New("sigv4: malformed date")
	ErrMalformedChunk     = errors.New("sigv4: malformed aws-chunked body")
	ErrChunkSignature     = errors.New("sigv4: chunk signature mismatch")
	ErrTrailerChecksum    = errors.New("sigv4: trailing checksum mismatch")
	ErrUnsupportedTrailer = errors.New("sigv4: unsupported trailer")
	ErrChunkTooLarge      = errors.New("sigv4: chunk too large")
)
