package jwtauth

import (
	"errors"
	"fmt"

	"github.com/datamon-io/datamon/model"
)

// Reasons a token is refused. Every refusal also wraps model.ErrUnauthenticated.
var (
	ErrTooLarge      = errors.New("jwtauth: token too large")
	ErrMalformed     = errors.New("jwtauth: malformed token")
	ErrAlgorithm     = errors.New("jwtauth: algorithm not allowed")
	ErrUnknownIssuer = errors.New("jwtauth: unknown issuer")
	ErrUnknownKey    = errors.New("jwtauth: unknown signing key")
	ErrSignature     = errors.New("jwtauth: bad signature")
	ErrExpired       = errors.New("jwtauth: token expired")
	ErrNotYetValid   = errors.New("jwtauth: token not valid yet")
	ErrAudience      = errors.New("jwtauth: token is for another audience")
	ErrClaims        = errors.New("jwtauth: missing or invalid claims")
)

// refuse wraps a reason with model.ErrUnauthenticated and a detail.
func refuse(reason error, format string, args ...any) error {
	return fmt.Errorf("%w: %w: %s", model.ErrUnauthenticated, reason, fmt.Sprintf(format, args...))
}
