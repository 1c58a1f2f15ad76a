package client

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/datamon-io/datamon/manifest"
	"github.com/datamon-io/datamon/model"
)

func TestCleanPath(t *testing.T) {
	for in, want := range map[string]string{
		"a": "a", "./a//b/": "a/b", "a/./b": "a/b", "dir/ spaced .txt": "dir/ spaced .txt", `back\slash`: `back\slash`,
	} {
		if got, err := CleanPath(in); err != nil || got != want {
			t.Errorf("CleanPath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "/etc/passwd", "../x", "a/../../x", "a/..", "a/../b", ".", "./", "a\x00b"} {
		if got, err := CleanPath(bad); !errors.Is(err, model.ErrInvalid) {
			t.Errorf("CleanPath(%q) = %q, %v; want ErrInvalid", bad, got, err)
		}
	}
}

func TestParseFileList(t *testing.T) {
	got, err := ParseFileList(strings.NewReader("a/b\r\n\n   \n./c//d\na/b\n trailing \nlast"))
	if err != nil || !slices.Equal(got, []string{"a/b", "c/d", " trailing ", "last"}) {
		t.Fatalf("got %q, %v", got, err)
	}
	for in, want := range map[string]string{
		"ok\n../secret\n": "line 2", "/abs\n": "line 1", "\n\n": "no path", "": "no path",
		strings.Repeat("x", MaxFileListBytes+1): "larger than",
	} {
		_, err := ParseFileList(strings.NewReader(in))
		if !errors.Is(err, model.ErrInvalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseFileList(%.20q): %v, want ErrInvalid mentioning %q", in, err, want)
		}
	}
}

// FuzzParseFileList: whatever it accepts is a non-empty list of distinct
// paths, each normalized (CleanPath is a fixed point on it) and acceptable
// to a manifest, never escaping the bundle.
func FuzzParseFileList(f *testing.F) {
	for _, s := range []string{"a/b\nc\n", "./x//y/\r\n", "../etc\n", "/abs", "a\n\na\n", " sp \n", "a/./b/../c", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := ParseFileList(strings.NewReader(s))
		if err != nil {
			if !errors.Is(err, model.ErrInvalid) {
				t.Fatalf("error not ErrInvalid: %v", err)
			}
			return
		}
		if len(ps) == 0 {
			t.Fatal("accepted an empty list")
		}
		seen := map[string]bool{}
		for _, p := range ps {
			if seen[p] {
				t.Fatalf("duplicate %q", p)
			}
			seen[p] = true
			if again, err := CleanPath(p); err != nil || again != p {
				t.Fatalf("%q is not normalized: %q %v", p, again, err)
			}
			if len(p) <= manifest.MaxPathLen {
				if err := manifest.ValidatePath(p); err != nil {
					t.Fatalf("%q: %v", p, err)
				}
			}
			if strings.HasPrefix(p, "/") || slices.Contains(strings.Split(p, "/"), "..") {
				t.Fatalf("%q escapes the bundle", p)
			}
		}
	})
}
