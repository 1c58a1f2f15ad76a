package api

import (
	"errors"
	"strings"
	"testing"

	"github.com/datamon-io/datamon/model"
)

// FuzzParseGrace: an accepted grace is within 0..model.MaxRotationGrace.
func FuzzParseGrace(f *testing.F) {
	for _, s := range []string{"", "0s", "1h", "90s", "-1s", "720h", "720h0m1s", "1e9h", "soon", "1.5h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseGrace(s)
		if err != nil {
			if !errors.Is(err, model.ErrInvalid) {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if d < 0 || d > model.MaxRotationGrace {
			t.Fatalf("%q: accepted %v", s, d)
		}
	})
}

// Generated IDs and secrets have the documented form and do not repeat.
func TestKeygen(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id, sec := newKeyID(), newSecret()
		if len(id) != KeyIDLen || !strings.HasPrefix(id, keyIDPrefix) || len(sec) != KeySecretLen || validateKeyID(id) != nil {
			t.Fatalf("id %q secret %q", id, sec)
		}
		for _, c := range id[2:] {
			if !strings.ContainsRune(idAlphabet, c) {
				t.Fatalf("id %q", id)
			}
		}
		for _, c := range sec {
			if !strings.ContainsRune(secAlphabet, c) {
				t.Fatalf("secret %q", sec)
			}
		}
		if seen[id] || seen[sec] {
			t.Fatalf("repeated %q / %q", id, sec)
		}
		seen[id], seen[sec] = true, true
	}
}
