package certs

import (
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestCreateCAAndIssueNode(t *testing.T) {
	dir := t.TempDir()
	ca := mustCA(t, dir)
	st, err := os.Stat(filepath.Join(dir, CAKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("CA key mode %o, want 0600", st.Mode().Perm())
	}
	if _, err := CreateCA(CAConfig{Dir: dir}); !errors.Is(err, ErrExists) {
		t.Fatalf("second CreateCA: %v, want ErrExists", err)
	}
	loaded, err := LoadCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !loaded.Cert.Equal(ca.Cert) || !loaded.Cert.IsCA {
		t.Fatal("loaded CA differs")
	}
	certPEM, keyPEM := issue(t, loaded, "node1", 0, nil)
	out := t.TempDir()
	if err := WriteNode(filepath.Join(out, "n.crt"), filepath.Join(out, "n.key"), certPEM, keyPEM); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(filepath.Join(out, "n.key")); st.Mode().Perm() != 0o600 {
		t.Fatalf("node key mode %o", st.Mode().Perm())
	}
	chain, err := ParseCertificatesPEM(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	leaf := chain[0]
	if leaf.Subject.CommonName != "node1" || len(leaf.IPAddresses) != 1 || !leaf.IPAddresses[0].Equal([]byte{127, 0, 0, 1}) ||
		len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != "localhost.test" {
		t.Fatalf("SANs: %v %v", leaf.IPAddresses, leaf.DNSNames)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	for _, u := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "127.0.0.1", KeyUsages: []x509.ExtKeyUsage{u}}); err != nil {
			t.Errorf("usage %v: %v", u, err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "10.0.0.1"}); err == nil {
		t.Error("certificate verified for an address it does not name")
	}
	// The node certificate never outlives its CA.
	c2, _, err := loaded.IssueNode(NodeConfig{Name: "n", SANs: SANs{DNS: []string{"a"}}, Validity: 100 * 365 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := ParseCertificatesPEM(c2); l[0].NotAfter.After(ca.Cert.NotAfter) {
		t.Errorf("node certificate expires %s after the CA %s", l[0].NotAfter, ca.Cert.NotAfter)
	}
}

func TestLoadCARefusesMismatch(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	mustCA(t, a)
	mustCA(t, b)
	kb, _ := os.ReadFile(filepath.Join(b, CAKeyFile))
	if err := os.WriteFile(filepath.Join(a, CAKeyFile), kb, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCA(a); !errors.Is(err, ErrInvalid) {
		t.Fatalf("LoadCA with another CA's key: %v, want ErrInvalid", err)
	}
	if _, err := LoadCA(t.TempDir()); err == nil {
		t.Fatal("LoadCA of an empty dir succeeded")
	}
}

func TestParseSANs(t *testing.T) {
	got, err := ParseSANs([]string{"127.0.0.1,Node1.Example.com", "::1", "node1.example.com", "*.s3.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if s := got.Strings(); len(s) != 4 || s[0] != "node1.example.com" || s[1] != "*.s3.example.com" || s[2] != "127.0.0.1" || s[3] != "::1" {
		t.Fatalf("SANs %v", s)
	}
	for _, bad := range []string{"", "127.0.0.1:7000", "https://node1", "no_underscores", "a..b", "-lead.example", "[::1]", "*.com", "a b"} {
		if _, err := ParseSANs([]string{bad}); !errors.Is(err, ErrBadSAN) {
			t.Errorf("ParseSANs(%q): %v, want ErrBadSAN", bad, err)
		}
	}
}
