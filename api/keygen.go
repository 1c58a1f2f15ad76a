package api

import "crypto/rand"

// Access key IDs and secrets, AWS style: a 20-character ID ("DM" and 18
// upper-case base32 characters, ~90 bits) and a 40-character secret of
// letters and digits (~238 bits), both from crypto/rand.
const (
	KeyIDLen     = 20
	KeySecretLen = 40
	keyIDPrefix  = "DM"
	idAlphabet   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"                               // 32: no modulo bias
	secAlphabet  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" // 62
)

// newKeyID returns a fresh access key ID.
func newKeyID() string {
	b := make([]byte, KeyIDLen-len(keyIDPrefix))
	_, _ = rand.Read(b) // never fails (crypto/rand crashes the program instead)
	out := []byte(keyIDPrefix)
	for _, x := range b {
		out = append(out, idAlphabet[x&31])
	}
	return string(out)
}

// newSecret returns a fresh secret key. Bytes >= 248 are dropped so that
// every letter or digit is equally likely (248 = 4*62).
func newSecret() string {
	out := make([]byte, 0, KeySecretLen)
	buf := make([]byte, 64)
	for len(out) < KeySecretLen {
		_, _ = rand.Read(buf)
		for _, x := range buf {
			if x < 248 && len(out) < KeySecretLen {
				out = append(out, secAlphabet[x%62])
			}
		}
	}
	return string(out)
}
