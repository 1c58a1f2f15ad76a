package peer

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

func newReq(body string) *fasthttp.Request {
	req := &fasthttp.Request{}
	req.Header.SetMethod(fasthttp.MethodPost)
	req.SetRequestURI("http://127.0.0.1:1/internal/x?a=1&b=2")
	req.SetBodyString(body)
	return req
}

func TestSignVerify(t *testing.T) {
	secret := []byte("s")
	now := time.Unix(1_800_000_000, 0)
	req := newReq("hello")
	Sign(secret, req, now)
	if err := Verify(secret, req, now); err != nil {
		t.Fatal(err)
	}
	if err := Verify(secret, req, now.Add(MaxSkew)); err != nil {
		t.Fatalf("at the edge of the window: %v", err)
	}
	cases := map[string]func(r *fasthttp.Request) ([]byte, time.Time){
		"wrong secret":  func(r *fasthttp.Request) ([]byte, time.Time) { return []byte("t"), now },
		"stale":         func(r *fasthttp.Request) ([]byte, time.Time) { return secret, now.Add(MaxSkew + time.Second) },
		"future":        func(r *fasthttp.Request) ([]byte, time.Time) { return secret, now.Add(-MaxSkew - time.Second) },
		"tampered body": func(r *fasthttp.Request) ([]byte, time.Time) { r.SetBodyString("hellO"); return secret, now },
		"tampered query": func(r *fasthttp.Request) ([]byte, time.Time) {
			r.URI().SetQueryString("a=1&b=3")
			return secret, now
		},
		"tampered path": func(r *fasthttp.Request) ([]byte, time.Time) { r.URI().SetPath("/internal/y"); return secret, now },
		"method":        func(r *fasthttp.Request) ([]byte, time.Time) { r.Header.SetMethod("PUT"); return secret, now },
		"missing":       func(r *fasthttp.Request) ([]byte, time.Time) { r.Header.Del(AuthHeader); return secret, now },
		"garbage":       func(r *fasthttp.Request) ([]byte, time.Time) { r.Header.Set(AuthHeader, "v1 x y"); return secret, now },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			r := newReq("hello")
			Sign(secret, r, now)
			s, at := mutate(r)
			if err := Verify(s, r, at); !errors.Is(err, ErrUnauthorized) {
				t.Fatalf("Verify = %v, want ErrUnauthorized", err)
			}
		})
	}
}

func TestParseSignature(t *testing.T) {
	good := formatSignature(signature{unix: 42, mac: [32]byte{1, 2, 3}})
	s, err := parseSignature(good)
	if err != nil || s.unix != 42 || s.mac[2] != 3 {
		t.Fatalf("parse %q: %+v %v", good, s, err)
	}
	mac := strings.Repeat("ab", 32)
	for _, bad := range []string{"", "v1", "v2 1 " + mac, "v1 -1 " + mac, "v1 01 " + mac, "v1  " + mac,
		"v1 1 " + mac[:62], "v1 1 " + mac + "00", "v1 1 " + strings.Repeat("zz", 32), "v1 99999999999999999999 " + mac,
		"v1 1 " + mac + " ", " v1 1 " + mac} {
		if _, err := parseSignature(bad); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("parseSignature(%q) = %v", bad, err)
		}
	}
}

func FuzzParseSignature(f *testing.F) {
	f.Add(formatSignature(signature{unix: 1_700_000_000, mac: [32]byte{9}}))
	f.Add("v1 0 " + strings.Repeat("0", 64))
	f.Add("v1 1 xyz")
	f.Fuzz(func(t *testing.T, h string) {
		s, err := parseSignature(h)
		if err != nil {
			if !errors.Is(err, ErrUnauthorized) {
				t.Fatalf("error does not wrap ErrUnauthorized: %v", err)
			}
			return
		}
		if s.unix < 0 {
			t.Fatalf("negative timestamp accepted from %q", h)
		}
		s2, err := parseSignature(formatSignature(s))
		if err != nil || s2 != s {
			t.Fatalf("round trip of %q: %+v %v", h, s2, err)
		}
		if !strings.EqualFold(formatSignature(s), h) {
			t.Fatalf("accepted non-canonical header %q", h)
		}
	})
}
