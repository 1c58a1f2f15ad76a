package peer

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
	"lukechampine.com/blake3"
)

// AuthHeader carries the request signature: "v1 <unix-seconds> <hex hmac>".
const AuthHeader = "X-Datamon-Auth"

// MaxSkew is how far a request timestamp may be from the verifier's clock.
const MaxSkew = 5 * time.Minute

const (
	authVersion = "v1"
	macHexLen   = 2 * sha256.Size
	// maxAuthHeader bounds the header length accepted by the parser.
	maxAuthHeader = 128
)

// signature is a parsed AuthHeader.
type signature struct {
	unix int64
	mac  [sha256.Size]byte
}

func deriveKey(secret []byte, purpose string) []byte {
	k, err := hkdf.Key(sha256.New, secret, nil, purpose, 32)
	if err != nil { // only possible for absurd lengths
		panic(fmt.Sprintf("peer: hkdf: %v", err))
	}
	return k
}

func requestKey(secret []byte) []byte { return deriveKey(secret, "datamon/peer/request/v1") }

// requestMAC computes the MAC of a request with a derived key.
func requestMAC(key []byte, method, uri []byte, unix int64, body []byte) [sha256.Size]byte {
	digest := blake3.Sum256(body)
	h := hmac.New(sha256.New, key)
	var n [8]byte
	writeField := func(b []byte) {
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	writeField([]byte(authVersion))
	writeField(method)
	writeField(uri)
	binary.BigEndian.PutUint64(n[:], uint64(unix))
	h.Write(n[:])
	h.Write(digest[:])
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}

// Sign adds the AuthHeader to req, signing its method, request URI, the time
// now and its body. Call it after the request is complete.
func Sign(secret []byte, req *fasthttp.Request, now time.Time) {
	signWithKey(requestKey(secret), req, now)
}

func signWithKey(key []byte, req *fasthttp.Request, now time.Time) {
	unix := now.Unix()
	mac := requestMAC(key, req.Header.Method(), req.URI().RequestURI(), unix, req.Body())
	req.Header.Set(AuthHeader, formatSignature(signature{unix: unix, mac: mac}))
}

// Verify checks req's AuthHeader against secret and the clock now. Every
// failure wraps ErrUnauthorized.
func Verify(secret []byte, req *fasthttp.Request, now time.Time) error {
	return verifyWithKey(requestKey(secret), req, now)
}

func verifyWithKey(key []byte, req *fasthttp.Request, now time.Time) error {
	raw := req.Header.Peek(AuthHeader)
	if len(raw) == 0 {
		return fmt.Errorf("%w: missing %s header", ErrUnauthorized, AuthHeader)
	}
	sig, err := parseSignature(string(raw))
	if err != nil {
		return err
	}
	ts := time.Unix(sig.unix, 0)
	if d := now.Sub(ts); d > MaxSkew || d < -MaxSkew {
		return fmt.Errorf("%w: timestamp %s outside ±%s of %s", ErrUnauthorized, ts.UTC().Format(time.RFC3339), MaxSkew, now.UTC().Format(time.RFC3339))
	}
	want := requestMAC(key, req.Header.Method(), req.URI().RequestURI(), sig.unix, req.Body())
	if !hmac.Equal(want[:], sig.mac[:]) {
		return fmt.Errorf("%w: bad signature", ErrUnauthorized)
	}
	return nil
}

func formatSignature(s signature) string {
	return authVersion + " " + strconv.FormatInt(s.unix, 10) + " " + hex.EncodeToString(s.mac[:])
}

// parseSignature parses "v1 <unix> <64 hex>". Errors wrap ErrUnauthorized.
func parseSignature(h string) (signature, error) {
	var s signature
	if len(h) > maxAuthHeader {
		return s, fmt.Errorf("%w: auth header too long", ErrUnauthorized)
	}
	parts := strings.Split(h, " ")
	if len(parts) != 3 || parts[0] != authVersion {
		return s, fmt.Errorf("%w: malformed auth header", ErrUnauthorized)
	}
	ts := parts[1]
	if len(ts) == 0 || len(ts) > 19 || (ts[0] == '0' && len(ts) > 1) {
		return s, fmt.Errorf("%w: malformed timestamp", ErrUnauthorized)
	}
	for _, c := range []byte(ts) {
		if c < '0' || c > '9' {
			return s, fmt.Errorf("%w: malformed timestamp", ErrUnauthorized)
		}
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return s, fmt.Errorf("%w: malformed timestamp", ErrUnauthorized)
	}
	if len(parts[2]) != macHexLen {
		return s, fmt.Errorf("%w: malformed mac", ErrUnauthorized)
	}
	if _, err := hex.Decode(s.mac[:], []byte(parts[2])); err != nil {
		return s, fmt.Errorf("%w: malformed mac", ErrUnauthorized)
	}
	s.unix = unix
	return s, nil
}
