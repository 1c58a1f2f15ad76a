package jwtauth

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
)

// maxHeaderSize bounds the decoded JOSE header.
const maxHeaderSize = 4 << 10

// Header is what CheckHeader read from a token's JOSE header.
type Header struct {
	Alg string
	Kid string
	Typ string
}

// CheckHeader is the cheap check a token passes before the JOSE library
// sees it: at most maxSize bytes, three non-empty base64url segments (a JWS
// in compact form: a five-segment JWE is refused), and a JSON header whose
// "alg" is one of allowed ("none" and HMAC never are). Headers the cluster
// does not implement are refused: "crit" (RFC 7515 §4.1.11), and the key
// carriers "jwk", "jku", "x5u", "x5c" (keys come from the configured key
// set, never from the token). It verifies nothing; the library does.
func CheckHeader(token string, maxSize int, allowed []string) (Header, error) {
	if len(token) > maxSize {
		return Header{}, refuse(ErrTooLarge, "%d bytes, at most %d", len(token), maxSize)
	}
	segs := strings.Split(token, ".")
	if len(segs) != 3 {
		return Header{}, refuse(ErrMalformed, "want 3 dot-separated segments, got %d", len(segs))
	}
	for i, s := range segs {
		if s == "" {
			return Header{}, refuse(ErrMalformed, "segment %d is empty", i+1)
		}
		if strings.TrimLeft(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			return Header{}, refuse(ErrMalformed, "segment %d is not base64url", i+1)
		}
	}
	if base64.RawURLEncoding.DecodedLen(len(segs[0])) > maxHeaderSize {
		return Header{}, refuse(ErrMalformed, "header larger than %d bytes", maxHeaderSize)
	}
	raw, err := base64.RawURLEncoding.DecodeString(segs[0])
	if err != nil {
		return Header{}, refuse(ErrMalformed, "header: %v", err)
	}
	var h map[string]json.RawMessage
	if err := json.Unmarshal(raw, &h); err != nil || h == nil {
		return Header{}, refuse(ErrMalformed, "header is not a JSON object")
	}
	for _, k := range []string{"crit", "jwk", "jku", "x5u", "x5c"} {
		if _, ok := h[k]; ok {
			return Header{}, refuse(ErrMalformed, "header parameter %q is not supported", k)
		}
	}
	var out Header
	for k, dst := range map[string]*string{"alg": &out.Alg, "kid": &out.Kid, "typ": &out.Typ} {
		v, ok := h[k]
		if !ok {
			continue
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return Header{}, refuse(ErrMalformed, "header %q is not a string", k)
		}
	}
	switch {
	case out.Alg == "":
		return Header{}, refuse(ErrAlgorithm, "header has no alg")
	case strings.EqualFold(out.Alg, "none"):
		return Header{}, refuse(ErrAlgorithm, "unsigned tokens (alg none) are refused")
	case !slices.Contains(allowed, out.Alg):
		return Header{}, refuse(ErrAlgorithm, "alg %q; allowed: %v", out.Alg, allowed)
	}
	return out, nil
}
