package model

import (
	"errors"
	"strings"
	"testing"
)

func TestParseInputRef(t *testing.T) {
	for in, want := range map[string]InputRef{
		"raw@main":              {Repo: "raw", Ref: "main"},
		"prod/raw@v1.2:train/x": {Context: "prod", Repo: "raw", Ref: "v1.2", Path: "train/x"},
		"raw@2Abc:":             {Repo: "raw", Ref: "2Abc"},
	} {
		got, err := ParseInputRef(in)
		if err != nil || got != want {
			t.Errorf("%q: %+v %v, want %+v", in, got, err, want)
		}
		if err == nil && strings.TrimSuffix(in, ":") != got.String() {
			t.Errorf("%q renders as %q", in, got.String())
		}
	}
	for _, in := range []string{"raw", "raw@", "@main", "/raw@main", "a/b/c@main", "raw@ma in", "raw@.x", "r!@main"} {
		if _, err := ParseInputRef(in); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: %v, want ErrInvalid", in, err)
		}
	}
}

func TestParseParamAndCodeRef(t *testing.T) {
	if k, v, err := ParseParam("lr=0.1=x"); err != nil || k != "lr" || v != "0.1=x" {
		t.Fatalf("param: %q %q %v", k, v, err)
	}
	for _, in := range []string{"novalue", "=v", "k\x00=v", "k=" + strings.Repeat("v", RunMaxValue+1)} {
		if _, _, err := ParseParam(in); !errors.Is(err, ErrInvalid) {
			t.Errorf("param %q: %v", in, err)
		}
	}
	c, err := ParseCodeRef("git@github.com:x/y.git@abc123+dirty")
	if err != nil || c != (CodeRef{Repo: "git@github.com:x/y.git", Commit: "abc123", Dirty: true}) {
		t.Fatalf("code ref: %+v %v", c, err)
	}
	if c, err := ParseCodeRef("abc"); err != nil || c.Commit != "abc" || c.Repo != "" {
		t.Fatalf("bare commit: %+v %v", c, err)
	}
	for _, in := range []string{"", "url@", "+dirty", "u@a b"} {
		if _, err := ParseCodeRef(in); !errors.Is(err, ErrInvalid) {
			t.Errorf("code ref %q: %v", in, err)
		}
	}
}

func FuzzParseInputRef(f *testing.F) {
	for _, s := range []string{"raw@main", "prod/raw@v1:train/", "x@y:z:w", "@", "a/@b", "r@" + strings.Repeat("x", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseInputRef(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("%q: error %v is not ErrInvalid", s, err)
			}
			return
		}
		if ValidateInputRef(r) != nil {
			t.Fatalf("%q parsed to an invalid %+v", s, r)
		}
		again, err := ParseInputRef(r.String())
		if err != nil || again != r {
			t.Fatalf("%q -> %+v -> %q -> %+v %v", s, r, r.String(), again, err)
		}
	})
}

func FuzzParseParam(f *testing.F) {
	for _, s := range []string{"k=v", "k==", "=", "k", "é=ü", "k=\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, v, err := ParseParam(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if k+"="+v != s || validateKV("param", map[string]string{k: v}, 1) != nil {
			t.Fatalf("%q -> %q %q", s, k, v)
		}
	})
}

func FuzzParseCodeRef(f *testing.F) {
	for _, s := range []string{"https://x/y@abc", "git@h:x.git@abc+dirty", "abc", "@", "+dirty"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCodeRef(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if c.Commit == "" {
			t.Fatalf("%q: empty commit accepted", s)
		}
	})
}
