package client

import (
	"context"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// TestCAFile: an https endpoint is verified against CAFile; without it (the
// system roots) the same server is refused, and an unusable CA file is a
// config error.
func TestCAFile(t *testing.T) {
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"node_id":"n1","state":"Leader"}`))
	}))
	defer ts.Close()
	ca := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Endpoints, cfg.AccessKey, cfg.SecretKey, cfg.Retries = []string{ts.URL}, "ak", "sk", -1
	ctx := context.Background()

	with := cfg
	with.CAFile = ca
	c, err := New(with)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := c.ClusterStatus(ctx); err != nil || st.NodeID != "n1" {
		t.Fatalf("with the CA: %+v %v", st, err)
	}
	c, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ClusterStatus(ctx); err == nil {
		t.Fatal("without the CA the self-signed server was accepted")
	}
	for _, bad := range []string{filepath.Join(t.TempDir(), "missing.crt"), filepath.Join(t.TempDir(), "junk.crt")} {
		os.WriteFile(filepath.Join(filepath.Dir(bad), "junk.crt"), []byte("not pem"), 0o644)
		b := cfg
		b.CAFile = bad
		if _, err := New(b); !errors.Is(err, ErrConfig) {
			t.Errorf("CA file %s: %v, want ErrConfig", bad, err)
		}
	}
}

func TestFileConfigCAFileRelative(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "client.yaml")
	os.WriteFile(p, []byte("server: https://h:1\nca_file: tls/ca.crt\n"), 0o600)
	fc, err := LoadFileConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	if fc.CAFile != filepath.Join(dir, "tls", "ca.crt") || fc.ClientConfig().CAFile != fc.CAFile {
		t.Fatalf("ca_file %q", fc.CAFile)
	}
}
