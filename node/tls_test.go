package node

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/datamon-io/datamon/certs"
)

func TestValidateTLS(t *testing.T) {
	ok := []Config{{}, {TLSCertFile: "c", TLSKeyFile: "k", TLSCAFile: "ca"}, {PublicCertFile: "c", PublicKeyFile: "k"},
		{TLSCertFile: "c", TLSKeyFile: "k", TLSCAFile: "ca", PublicCertFile: "pc", PublicKeyFile: "pk"}}
	for _, c := range ok {
		if err := c.validateTLS(); err != nil {
			t.Errorf("%+v: %v", c, err)
		}
	}
	bad := []Config{{TLSCertFile: "c"}, {TLSCertFile: "c", TLSKeyFile: "k"}, {TLSCAFile: "ca"}, {PublicCertFile: "c"}, {PublicKeyFile: "k"}}
	for _, c := range bad {
		if err := c.validateTLS(); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v accepted: %v", c, err)
		}
	}
}

// TestStartTLSRefusesBadFiles: a node does not start with a certificate it
// cannot use (missing, or not signed by its CA file).
func TestStartTLSRefusesBadFiles(t *testing.T) {
	dir := t.TempDir()
	_, err := certs.CreateCA(certs.CAConfig{Dir: filepath.Join(dir, "ca")})
	if err != nil {
		t.Fatal(err)
	}
	other, err := certs.CreateCA(certs.CAConfig{Dir: filepath.Join(dir, "other")})
	if err != nil {
		t.Fatal(err)
	}
	sans, _ := certs.ParseSANs([]string{"127.0.0.1"})
	c, k, err := other.IssueNode(certs.NodeConfig{Name: "n", SANs: sans})
	if err != nil {
		t.Fatal(err)
	}
	crt, key := filepath.Join(dir, "n.crt"), filepath.Join(dir, "n.key")
	if err := certs.WriteNode(crt, key, c, k); err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(dir, "ca", certs.CACertFile)
	for name, cfg := range map[string]Config{
		"missing":  {TLSCertFile: filepath.Join(dir, "nope.crt"), TLSKeyFile: key, TLSCAFile: caFile},
		"other CA": {TLSCertFile: crt, TLSKeyFile: key, TLSCAFile: caFile},
	} {
		n := &Node{cfg: cfg, log: slog.New(slog.DiscardHandler)}
		err := n.startTLS(context.Background())
		if err == nil {
			t.Errorf("%s: node certificate accepted", name)
		}
		for i := len(n.closers) - 1; i >= 0; i-- {
			n.closers[i]()
		}
	}
	// The right CA: accepted, and the public API serves it.
	n := &Node{cfg: Config{TLSCertFile: crt, TLSKeyFile: key, TLSCAFile: filepath.Join(dir, "other", certs.CACertFile),
		TLSReloadInterval: -time.Second}, log: slog.New(slog.DiscardHandler)}
	if err := n.startTLS(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() {
		for i := len(n.closers) - 1; i >= 0; i-- {
			n.closers[i]()
		}
	}()
	if n.tlsNode == nil || n.tlsPublic != n.tlsNode {
		t.Fatal("node certificate not used for the public ports")
	}
}
