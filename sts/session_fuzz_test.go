package sts

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/datamon-io/datamon/jwtauth"
	"github.com/datamon-io/datamon/model"
)

// FuzzSessionVerify: a session token (untrusted, from X-Amz-Security-Token)
// never panics the verifier; it is refused with ErrSessionInvalid or
// ErrSessionExpired unless its signature is the cluster's HMAC over its
// signed part, and it names the access key it is presented with. (The
// seeds' access key IDs are random: each fuzz worker mints its own.)
func FuzzSessionVerify(f *testing.F) {
	k, err := deriveKeys([]byte("cluster-secret-0123456789"))
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	c, err := k.mint(model.User{Name: "alice"}, jwtauth.Grants{"ml/*": model.PermWrite}, testRole, "s", "https://idp", now, now.Add(time.Hour))
	if err != nil {
		f.Fatal(err)
	}
	signed := c.SessionToken[:strings.LastIndexByte(c.SessionToken, '.')]
	for _, s := range []struct{ ak, tok string }{
		{c.AccessKeyID, c.SessionToken},
		{"ASIAAAAAAAAAAAAAAAAA", c.SessionToken},
		{c.AccessKeyID, c.SessionToken + "x"},
		{c.AccessKeyID, signed + ".AAAA"},
		{c.AccessKeyID, "eyJhbGciOiJub25lIn0." + strings.Split(c.SessionToken, ".")[1] + "."},
		{c.AccessKeyID, ""},
		{"", "a.b.c"},
	} {
		f.Add(s.ak, s.tok)
	}
	f.Fuzz(func(t *testing.T, ak, tok string) {
		got, err := k.verify(ak, tok, now)
		if err != nil {
			if !errors.Is(err, ErrSessionInvalid) && !errors.Is(err, ErrSessionExpired) {
				t.Fatalf("error %v is neither ErrSessionInvalid nor ErrSessionExpired", err)
			}
			return
		}
		i := strings.LastIndexByte(tok, '.')
		sig, derr := base64.RawURLEncoding.DecodeString(tok[i+1:])
		m := hmac.New(sha256.New, k.sign)
		m.Write([]byte(tok[:i]))
		if derr != nil || !hmac.Equal(sig, m.Sum(nil)) || got.ID != ak || got.Subject == "" || !got.ExpiresAt.After(now) {
			t.Fatalf("accepted %q for %q: %+v", tok, ak, got)
		}
	})
}
