package reqid

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNewParses(t *testing.T) {
	now := time.UnixMilli(1765000000123)
	id := New(now)
	got, err := Parse(id)
	if err != nil || got != now.UnixMilli() {
		t.Fatalf("Parse(%q) = %d, %v", id, got, err)
	}
	if New(now) == id {
		t.Fatal("two IDs issued at the same time are equal")
	}
}

func TestParseRejects(t *testing.T) {
	for _, id := range []string{
		"", "abc", "-aaaaaaaaaaaaaaaa", "0123-aaaaaaaaaaaaaaaa", "12a-aaaaaaaaaaaaaaaa",
		"123-short", "123-" + strings.Repeat("a", 65), "123-aaaaaaaaaaaaaaa!",
		"99999999999999999999-aaaaaaaaaaaaaaaa", "123-aaaaaaaa/aaaaaaaaa",
	} {
		if _, err := Parse(id); !errors.Is(err, ErrBadID) {
			t.Errorf("Parse(%q) = %v, want ErrBadID", id, err)
		}
	}
}

func TestNextAndContext(t *testing.T) {
	r := &Request{ID: "1-aaaaaaaaaaaaaaaa"}
	ctx := With(context.Background(), r)
	if From(ctx) != r || From(context.Background()) != nil {
		t.Fatal("context round trip")
	}
	if a, b, c := r.Next(), r.Next(), r.Next(); a != r.ID || b != r.ID+"/2" || c != r.ID+"/3" {
		t.Fatalf("Next: %s %s %s", a, b, c)
	}
	if Digest("PUT", "/a", "", []byte("x")) == Digest("PUT", "/a", "", []byte("y")) {
		t.Fatal("digest ignores the body")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{New(time.Now()), "1-aaaaaaaaaaaaaaaa", "", "0-x", "9223372036854775807-" + strings.Repeat("Z", 64)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ms, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrBadID) {
				t.Fatalf("error %v does not wrap ErrBadID", err)
			}
			return
		}
		if ms <= 0 || len(s) > MaxLen {
			t.Fatalf("accepted %q as %d", s, ms)
		}
	})
}
