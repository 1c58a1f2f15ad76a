package model

import (
	"errors"
	"strings"
	"testing"
	"unicode"
)

func TestNames(t *testing.T) {
	for _, ok := range []string{"demo", "my-repo", "Repo1", "données", strings.Repeat("a", 128)} {
		if err := ValidateRepoName(ok); err != nil {
			t.Errorf("repo %q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a b", "a/b", "a_b", "..", "a.b", strings.Repeat("a", 129), "a\x00"} {
		if err := ValidateRepoName(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("repo %q accepted", bad)
		}
	}
	for _, ok := range []string{"prod", "v1.2", "latest_ok", "a-b"} {
		if err := ValidateLabelName(ok); err != nil {
			t.Errorf("label %q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".hidden", "a/b", "a b", "x\n"} {
		if err := ValidateLabelName(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("label %q accepted", bad)
		}
	}
}

func TestValidateRepoAndLabelSet(t *testing.T) {
	if err := ValidateRepo(Repo{Context: "default", Name: "r"}); !errors.Is(err, ErrInvalid) {
		t.Fatal("repo without description accepted")
	}
	if err := ValidateRepo(Repo{Context: "default", Name: "r", Description: "d"}); err != nil {
		t.Fatal(err)
	}
	s := LabelSet{Context: "default", Repo: "r", Name: "l", BundleID: "b", IfMatch: "x", IfNotExists: true}
	if err := ValidateLabelSet(s); !errors.Is(err, ErrInvalid) {
		t.Fatal("if-match with if-not-exists accepted")
	}
	s.IfNotExists = false
	if err := ValidateLabelSet(s); err != nil {
		t.Fatal(err)
	}
	s.BundleID = ""
	if err := ValidateLabelSet(s); !errors.Is(err, ErrInvalid) {
		t.Fatal("empty bundle accepted")
	}
}

// FuzzNames: whatever is accepted contains only the allowed characters.
func FuzzNames(f *testing.F) {
	for _, s := range []string{"demo", "a-b", "v1.2", "a/b", "..", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateRepoName(s) == nil {
			for _, r := range s {
				if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-') {
					t.Fatalf("repo name %q accepted with %q", s, r)
				}
			}
		}
		if ValidateLabelName(s) == nil && (strings.ContainsAny(s, "/ \x00") || strings.HasPrefix(s, ".")) {
			t.Fatalf("label name %q accepted", s)
		}
	})
}
