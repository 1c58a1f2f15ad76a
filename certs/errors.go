package certs

import "errors"

// Sentinel errors; every error of the package wraps one of them.
var (
	// ErrConfig reports an unusable configuration (missing paths, bad validity).
	ErrConfig = errors.New("certs: invalid config")
	// ErrBadSAN reports a subject alternative name that is neither an IP
	// address nor a DNS name.
	ErrBadSAN = errors.New("certs: bad subject alternative name")
	// ErrBadPEM reports a file that is not the PEM content it should be.
	ErrBadPEM = errors.New("certs: bad PEM")
	// ErrInvalid reports a certificate that does not pass the checks: key
	// mismatch, outside its validity, not signed by the CA, wrong usage.
	ErrInvalid = errors.New("certs: invalid certificate")
	// ErrExists: CreateCA refuses to overwrite an existing CA.
	ErrExists = errors.New("certs: already exists")
	// ErrClosed: the Reloader is closed.
	ErrClosed = errors.New("certs: closed")
)
