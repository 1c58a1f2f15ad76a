package main

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/datamon-io/datamon/fusefs"
)

// TestFuseMountCLIWithoutFUSE: a build without FUSE (CGO_ENABLED=0, or no
// fuse3 tag on Linux) explains how to get it; a FUSE build gets past that
// check (and fails later, on the missing server, not with ErrNoFUSE).
func TestFuseMountCLIWithoutFUSE(t *testing.T) {
	for _, args := range [][]string{
		{"--repo", "r", "--mount", t.TempDir()},
		{"new", "--repo", "r", "--message", "m", "--mount", t.TempDir(), "--staging", filepath.Join(t.TempDir(), "s")},
	} {
		var out, errb bytes.Buffer
		a := newApp(strings.NewReader(""), &out, &errb, func(k string) string {
			if k == "DATAMON_SERVER" {
				return "http://127.0.0.1:1"
			}
			return ""
		})
		a.home = func() (string, error) { return t.TempDir(), nil }
		cmd := newBundleMountCmd(a)
		cmd.SetArgs(args)
		cmd.SetOut(&out)
		cmd.SetErr(&errb)
		err := cmd.Execute()
		if fusefs.Supported {
			if err == nil || errors.Is(err, fusefs.ErrNoFUSE) {
				t.Errorf("%v: FUSE build: err %v", args, err)
			}
			continue
		}
		if !errors.Is(err, fusefs.ErrNoFUSE) || !strings.Contains(err.Error(), "apt-get install fuse3 libfuse3-dev") {
			t.Errorf("%v: no-FUSE build: err %v", args, err)
		}
	}
}

func TestFuseParseByteSize(t *testing.T) {
	for in, want := range map[string]int64{"256MB": 256 << 20, "1GiB": 1 << 30, "4096": 4096, "12 mb": 12 << 20, "2g": 2 << 30} {
		if got, err := parseByteSize(in); err != nil || got != want {
			t.Errorf("%q: %d %v, want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1MB", "lots", "1TB"} {
		if _, err := parseByteSize(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}
