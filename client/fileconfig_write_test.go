package client

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func strp(s string) *string { return &s }

func TestUpdateFileConfigMerges(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "client.yaml")
	// A missing file (and directory) starts empty.
	got, fc, err := UpdateFileConfig(path, FileConfigUpdate{Server: []string{"http://127.0.0.1:7001"}})
	if err != nil || got != path {
		t.Fatalf("create: %q %v", got, err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode: %v %v", st.Mode(), err)
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("dir mode: %v %v", st.Mode(), err)
	}
	// Keys not named by the update survive.
	if err := os.WriteFile(path, []byte("server: http://a:1\nname: Jane\nemail: j@x\ns3_endpoint: http://a:9\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, fc, err = UpdateFileConfig(path, FileConfigUpdate{Context: strp("prod"), AccessKey: strp("AK"), SecretKey: strp("SK")})
	if err != nil {
		t.Fatal(err)
	}
	want := FileConfig{Server: ServerList{"http://a:1"}, Name: "Jane", Email: "j@x", S3Endpoint: "http://a:9",
		Context: "prod", AccessKey: "AK", SecretKey: "SK"}
	if !reflect.DeepEqual(fc, want) {
		t.Fatalf("merged %+v, want %+v", fc, want)
	}
	onDisk, err := LoadFileConfig(path)
	if err != nil || !reflect.DeepEqual(onDisk, want) {
		t.Fatalf("on disk %+v %v", onDisk, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("a rewritten 0644 file is %v, want 0600", st.Mode())
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
		t.Fatalf("temporary files left: %v", ents)
	}
}

func TestUpdateFileConfigKeepsBadInput(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "client.yaml")
	bad := "server: http://a:1\nsevrer: typo\n"
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := UpdateFileConfig(path, FileConfigUpdate{Context: strp("x")}); !errors.Is(err, ErrFileConfig) {
		t.Fatalf("unparsable file: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != bad {
		t.Fatalf("unparsable file changed to %q", b)
	}
	good := "server: http://a:1\n"
	if err := os.WriteFile(path, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := UpdateFileConfig(path, FileConfigUpdate{Server: []string{"ftp://x"}}); !errors.Is(err, ErrFileConfig) {
		t.Fatalf("bad server: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != good {
		t.Fatalf("file changed by a refused update: %q", b)
	}
}

func TestUpdateFileConfigFollowsSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.yaml")
	if err := os.WriteFile(target, []byte("name: Jane\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "client.yaml")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	got, _, err := UpdateFileConfig(link, FileConfigUpdate{Context: strp("c")})
	if err != nil || got != target {
		t.Fatalf("wrote %q (%v), want %q", got, err, target)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v %v", fi.Mode(), err)
	}
	if fc, err := LoadFileConfig(link); err != nil || fc.Context != "c" || fc.Name != "Jane" {
		t.Fatalf("through the link: %+v %v", fc, err)
	}
}

func TestParseCredential(t *testing.T) {
	c, err := ParseCredential([]byte("cluster_secret: s\naccess_key: AK\nsecret_key: SK\n"))
	if err != nil || c != (Credential{AccessKey: "AK", SecretKey: "SK"}) {
		t.Fatalf("%+v %v", c, err)
	}
	for _, in := range []string{"", "access_key: AK\n", "access_key: A K\nsecret_key: S\n", "access_key: A\nsecret_key: \"\\n\"\n", "secret_key: SK\n", "access_key: [1]\nsecret_key: x\n", "::"} {
		if _, err := ParseCredential([]byte(in)); !errors.Is(err, ErrFileConfig) {
			t.Errorf("ParseCredential(%q) = %v, want ErrFileConfig", in, err)
		}
	}
	if _, err := LoadCredential(filepath.Join(t.TempDir(), "none")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
}

func FuzzParseCredential(f *testing.F) {
	f.Add([]byte("access_key: AK\nsecret_key: SK\n"))
	f.Add([]byte("access_key: AK\n"))
	f.Add([]byte("cluster_secret: x\naccess_key: 'a b'\nsecret_key: \"\\n\"\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCredential(b)
		if err != nil {
			if !errors.Is(err, ErrFileConfig) {
				t.Fatalf("error not ErrFileConfig: %v", err)
			}
			return
		}
		if c.AccessKey == "" || c.SecretKey == "" {
			t.Fatalf("accepted an empty key: %+v", c)
		}
		// What was accepted must survive a client.yaml round trip.
		out, err := FileConfig{AccessKey: c.AccessKey, SecretKey: c.SecretKey}.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		fc, err := ParseFileConfig(out)
		if err != nil || fc.AccessKey != c.AccessKey || fc.SecretKey != c.SecretKey {
			t.Fatalf("round trip %q: %+v %v", out, fc, err)
		}
	})
}
