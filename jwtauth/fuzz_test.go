package jwtauth

import (
	"errors"
	"strings"
	"testing"

	"github.com/datamon-io/datamon/model"
)

// FuzzCheckHeader: the pre-library check never panics, refuses with
// ErrUnauthenticated, and what it accepts is a bounded three-segment token
// whose alg is allowed.
func FuzzCheckHeader(f *testing.F) {
	seeds := []string{
		"",
		"a.b.c",
		"eyJhbGciOiJSUzI1NiIsImtpZCI6InIxIn0.eyJzdWIiOiJ4In0.c2ln",
		"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
		"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
		"eyJhbGciOiJFUzI1NiIsImNyaXQiOlsiYjY0Il19.e30.c2ln",
		"eyJhbGciOiJFZERTQSIsImp3ayI6e319.e30.c2ln",
		"eyJhbGciOjF9.e30.c2ln",
		"bnVsbA.e30.c2ln",
		"a.b.c.d.e",
		strings.Repeat("A", 100) + ".e30.c2ln",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		const maxSize = 2048
		h, err := CheckHeader(tok, maxSize, Algorithms)
		if err != nil {
			if !errors.Is(err, model.ErrUnauthenticated) {
				t.Fatalf("error %v does not wrap ErrUnauthenticated", err)
			}
			return
		}
		if len(tok) > maxSize || strings.Count(tok, ".") != 2 {
			t.Fatalf("accepted %q", tok)
		}
		switch h.Alg {
		case "RS256", "ES256", "EdDSA":
		default:
			t.Fatalf("accepted alg %q", h.Alg)
		}
	})
}

func TestCheckHeaderSeeds(t *testing.T) {
	ok := "eyJhbGciOiJSUzI1NiIsImtpZCI6InIxIn0.eyJzdWIiOiJ4In0.c2ln" // {"alg":"RS256","kid":"r1"}
	h, err := CheckHeader(ok, 1024, Algorithms)
	if err != nil || h.Alg != "RS256" || h.Kid != "r1" {
		t.Fatalf("CheckHeader = %+v, %v", h, err)
	}
	for tok, reason := range map[string]error{
		"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2ln":          ErrAlgorithm, // none
		"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln":         ErrAlgorithm, // HS256
		"eyJhbGciOiJFUzI1NiIsImNyaXQiOlsiYjY0Il19.e30.c2ln": ErrMalformed, // crit
		"eyJhbGciOiJFZERTQSIsImp3ayI6e319.e30.c2ln":         ErrMalformed, // embedded jwk
		"eyJhbGciOjF9.e30.c2ln":                             ErrMalformed, // alg not a string
		"bnVsbA.e30.c2ln":                                   ErrMalformed, // null header
		"eyJhbGciOiJSUzI1NiJ9.e30.c2ln=":                    ErrMalformed, // padding
		"eyJhbGciOiJSUzI1NiJ9..c2ln":                        ErrMalformed,
		"a.b.c.d.e":                                         ErrMalformed,
		strings.Repeat("A", 1025):                           ErrTooLarge,
	} {
		_, err := CheckHeader(tok, 1024, Algorithms)
		if !errors.Is(err, reason) {
			t.Errorf("CheckHeader(%.40q) = %v, want %v", tok, err, reason)
		}
	}
}
