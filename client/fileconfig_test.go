package client

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestParseFileConfig(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"string", "server: http://a:1\n", []string{"http://a:1"}},
		{"comma string", "server: 'http://a:1, b:2'\n", []string{"http://a:1", "b:2"}},
		{"list", "server:\n  - http://a:1\n  - https://b:2\n", []string{"http://a:1", "https://b:2"}},
		{"empty", "", nil},
	} {
		fc, err := ParseFileConfig([]byte(tc.in))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !reflect.DeepEqual([]string(fc.Server), tc.want) {
			t.Errorf("%s: servers %q, want %q", tc.name, fc.Server, tc.want)
		}
	}
	full := "server: http://n1:7001\naccess_key: AK\nsecret_key: SK\ns3_endpoint: http://n1:9000\ncontext: prod\nname: Jane\nemail: j@x\n"
	fc, err := ParseFileConfig([]byte(full))
	if err != nil {
		t.Fatal(err)
	}
	cfg := fc.ClientConfig()
	if cfg.AccessKey != "AK" || cfg.SecretKey != "SK" || fc.Context != "prod" || cfg.Contributor.Email != "j@x" || fc.S3Endpoint == "" {
		t.Fatalf("parsed %+v -> %+v", fc, cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config from file invalid: %v", err)
	}
	// Round trip through Marshal.
	b, err := fc.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	fc2, err := ParseFileConfig(b)
	if err != nil || !reflect.DeepEqual(fc, fc2) {
		t.Fatalf("round trip: %+v vs %+v (%v)", fc, fc2, err)
	}
}

func TestParseFileConfigErrors(t *testing.T) {
	for _, in := range []string{
		"acces_key: typo\n",
		"server: {a: b}\n",
		"server: ftp://x\n",
		"server: [http://a/path]\n",
		"::: not yaml",
	} {
		if _, err := ParseFileConfig([]byte(in)); !errors.Is(err, ErrFileConfig) {
			t.Errorf("ParseFileConfig(%q) = %v, want ErrFileConfig", in, err)
		}
	}
	_, err := LoadFileConfig(filepath.Join(t.TempDir(), "missing.yaml"))
	if !errors.Is(err, ErrFileConfig) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func FuzzParseFileConfig(f *testing.F) {
	f.Add([]byte("server: http://a:1\naccess_key: k\n"))
	f.Add([]byte("server: [a:1, 'b:2,c:3']\n"))
	f.Add([]byte("name: x\nemail: y\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fc, err := ParseFileConfig(b)
		if err != nil {
			if !errors.Is(err, ErrFileConfig) {
				t.Fatalf("error not ErrFileConfig: %v", err)
			}
			return
		}
		for _, s := range fc.Server {
			if _, _, err := splitEndpoint(s); err != nil {
				t.Fatalf("accepted bad endpoint %q", s)
			}
		}
		out, err := fc.Marshal()
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		fc2, err := ParseFileConfig(out)
		if err != nil || !reflect.DeepEqual(fc, fc2) {
			t.Fatalf("round trip %q: %+v vs %+v (%v)", out, fc, fc2, err)
		}
	})
}
