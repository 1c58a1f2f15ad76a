package sidecar

import (
	"errors"
	"testing"
)

func TestParseSpec(t *testing.T) {
	good := map[string]Spec{
		"r:l:/d":        {Repo: "r", Label: "l", Dir: "/d"},
		"r@B1:/in/x/":   {Repo: "r", Bundle: "B1", Dir: "/in/x"},
		"r:l:/a:b":      {Repo: "r", Label: "l", Dir: "/a:b"},
		"r:v1.2:/mnt/i": {Repo: "r", Label: "v1.2", Dir: "/mnt/i"},
	}
	for in, want := range good {
		got, err := ParseSpec(in, false)
		if err != nil || got != want {
			t.Errorf("ParseSpec(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "r", "r:l", "r:l:rel", ":l:/d", "r::/d", "-r:l:/d", "r:-l:/d", "r@:/d", "r:l\n:/d"} {
		if _, err := ParseSpec(in, false); !errors.Is(err, ErrSpec) {
			t.Errorf("ParseSpec(%q): %v, want ErrSpec", in, err)
		}
	}
	if _, err := ParseSpec("r@B:/d", true); !errors.Is(err, ErrSpec) {
		t.Errorf("an output naming a bundle: %v", err)
	}
}

func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{"r:l:/d", "r@B:/d", "::", "r:l:/a:b", "-x:y:/z"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, output bool) {
		sp, err := ParseSpec(s, output)
		if err != nil {
			if !errors.Is(err, ErrSpec) {
				t.Fatalf("error without ErrSpec: %v", err)
			}
			return
		}
		if sp.Repo == "" || (sp.Label == "") == (sp.Bundle == "") || sp.Dir == "" || sp.Dir[0] != '/' || (output && sp.Bundle != "") {
			t.Fatalf("accepted %q as %+v", s, sp)
		}
	})
}
