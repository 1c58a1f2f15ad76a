package csi

import (
	"errors"
	"strings"
	"testing"
)

func TestParseVolume(t *testing.T) {
	v, err := ParseVolume(map[string]string{"repo": "r", "label": "v1", "csi.storage.k8s.io/pod.name": "p"}, false)
	if err != nil || v != (Volume{Context: "default", Repo: "r", Label: "v1", ReadOnly: true}) {
		t.Errorf("read-only by label: %+v, %v", v, err)
	}
	v, err = ParseVolume(map[string]string{"repo": "r", "readOnly": "false", "fromLabel": "a", "label": "b", "message": "m"}, false)
	if err != nil || v.ReadOnly || v.FromLabel != "a" || v.Label != "b" {
		t.Errorf("read-write: %+v, %v", v, err)
	}
	if v, _ := ParseVolume(map[string]string{"repo": "r", "readOnly": "false"}, true); !v.ReadOnly {
		t.Errorf("the request's readonly flag must win")
	}
	bad := []map[string]string{
		{},
		{"label": "x"},
		{"repo": "r", "labl": "x"},
		{"repo": "r", "label": "a", "bundle": "b"},
		{"repo": "r", "readOnly": "maybe"},
		{"repo": "-r"},
		{"repo": "r", "fromLabel": "x"},
		{"repo": "r", "readOnly": "false", "bundle": "b"},
		{"repo": "r\n"},
		{"repo": ""},
	}
	for _, a := range bad {
		if _, err := ParseVolume(a, false); !errors.Is(err, ErrVolume) {
			t.Errorf("ParseVolume(%v): %v, want ErrVolume", a, err)
		}
	}
	if _, err := ParseCredentials(map[string]string{"accessKey": "a"}); !errors.Is(err, ErrVolume) {
		t.Errorf("credentials without a secret key: %v", err)
	}
	if _, err := ParseCredentials(map[string]string{"accessKey": "a", "secretKey": "s", "token": "t"}); !errors.Is(err, ErrVolume) {
		t.Errorf("unknown secret key accepted: %v", err)
	}
}

func FuzzParseVolume(f *testing.F) {
	f.Add("repo", "r", "label", "v1", false)
	f.Add("repo", "r", "readOnly", "false", false)
	f.Add("bundle", "b", "repo", "-x", true)
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string, ro bool) {
		v, err := ParseVolume(map[string]string{k1: v1, k2: v2}, ro)
		if err != nil {
			if !errors.Is(err, ErrVolume) {
				t.Fatalf("error without ErrVolume: %v", err)
			}
			return
		}
		if v.Repo == "" || strings.HasPrefix(v.Repo, "-") || (ro && !v.ReadOnly) {
			t.Fatalf("accepted %q=%q %q=%q as %+v", k1, v1, k2, v2, v)
		}
		for _, a := range v.mountArgs("/t", "/s", "id") {
			if !strings.HasPrefix(a, "--") && a != "bundle" && a != "mount" && a != "new" {
				t.Fatalf("mount argument %q is not a flag", a)
			}
		}
	})
}
