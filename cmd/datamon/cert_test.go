package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/datamon-io/datamon/certs"
)

func runCert(t *testing.T, env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	a := newApp(strings.NewReader(""), &out, &errOut, func(k string) string { return env[k] })
	home := t.TempDir()
	a.home = func() (string, error) { return home, nil }
	root := a.rootCmd()
	root.SetArgs(args)
	err := root.Execute()
	if err != nil {
		errOut.WriteString(err.Error())
	}
	return out.String(), errOut.String(), exitCode(err)
}

// TestCertCommands: `cert ca` then `cert node` write files a Reloader
// accepts; bad arguments are usage errors that write nothing.
func TestCertCommands(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	if _, e, code := runCert(t, nil, "cert", "ca", "--dir", dir); code != 0 {
		t.Fatalf("cert ca: %d %s", code, e)
	}
	if _, e, code := runCert(t, nil, "cert", "ca", "--dir", dir); code != exitUsage || !strings.Contains(e, "already exists") {
		t.Fatalf("second cert ca: %d %s", code, e)
	}
	out, e, code := runCert(t, nil, "--output", "json", "cert", "node", "--ca-dir", dir, "--name", "node1",
		"--san", "127.0.0.1,node1.example.com", "--san", "::1", "--out", filepath.Join(dir, "n1"))
	if code != 0 {
		t.Fatalf("cert node: %d %s", code, e)
	}
	var res certResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("json: %v: %s", err, out)
	}
	if strings.Join(res.SANs, ",") != "node1.example.com,127.0.0.1,::1" || len(res.Fingerprint) != 64 {
		t.Fatalf("result %+v", res)
	}
	if st, err := os.Stat(res.Key); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	r, err := certs.NewReloader(t.Context(), certs.ReloaderConfig{CertFile: res.Cert, KeyFile: res.Key,
		CAFile: filepath.Join(dir, certs.CACertFile), Interval: -1})
	if err != nil {
		t.Fatalf("issued files do not load: %v", err)
	}
	r.Close()
	for _, bad := range [][]string{
		{"cert", "node", "--ca-dir", dir, "--name", "x", "--san", "10.0.0.1:7000"},
		{"cert", "node", "--ca-dir", dir, "--name", "x"},
		{"cert", "node", "--ca-dir", dir, "--san", "10.0.0.1"},
		{"cert", "ca"},
	} {
		if _, e, code := runCert(t, nil, bad...); code != exitUsage {
			t.Errorf("%v: exit %d (%s), want %d", bad, code, e, exitUsage)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.crt")); err == nil {
		t.Error("a refused cert node wrote x.crt")
	}
}

// TestCAFileResolution: ca_file from the config file (relative to it),
// DATAMON_CA_FILE over the file, --ca-file over both.
func TestCAFileResolution(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "client.yaml")
	os.WriteFile(cfg, []byte("server: https://127.0.0.1:1\naccess_key: a\nsecret_key: b\nca_file: tls/ca.crt\n"), 0o600)
	resolve := func(env map[string]string, args ...string) string {
		t.Helper()
		a := newApp(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, func(k string) string { return env[k] })
		root := a.rootCmd()
		if err := root.PersistentFlags().Parse(append([]string{"--config", cfg}, args...)); err != nil {
			t.Fatal(err)
		}
		s, err := a.resolve(nil)
		if err != nil {
			t.Fatal(err)
		}
		return s.file.CAFile
	}
	if got := resolve(nil); got != filepath.Join(dir, "tls", "ca.crt") {
		t.Errorf("file: %q", got)
	}
	if got := resolve(map[string]string{"DATAMON_CA_FILE": "/env/ca.crt"}); got != "/env/ca.crt" {
		t.Errorf("env: %q", got)
	}
	if got := resolve(map[string]string{"DATAMON_CA_FILE": "/env/ca.crt"}, "--ca-file", "/flag/ca.crt"); got != "/flag/ca.crt" {
		t.Errorf("flag: %q", got)
	}
}
