package certs

import (
	"strings"
	"testing"
)

func FuzzParseSAN(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "::1", "node1.example.com", "*.s3.example.com", "a:1", "http://x", "", "a..b", "X-Y.z.", "fe80::1%eth0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		dns, ip, err := ParseSAN(s)
		if err != nil {
			return
		}
		if (dns == "") == (ip == nil) {
			t.Fatalf("%q: exactly one of dns %q / ip %v expected", s, dns, ip)
		}
		if dns != "" {
			if strings.Trim(dns, "abcdefghijklmnopqrstuvwxyz0123456789-.*") != "" || strings.Contains(dns, "..") {
				t.Fatalf("%q accepted as DNS name %q", s, dns)
			}
			if d2, _, err := ParseSAN(dns); err != nil || d2 != dns {
				t.Fatalf("%q: normalised %q does not parse to itself: %q %v", s, dns, d2, err)
			}
		}
	})
}

func FuzzParsePEM(f *testing.F) {
	ca, err := CreateCA(CAConfig{Dir: f.TempDir()})
	if err != nil {
		f.Fatal(err)
	}
	c, k := issue(f, ca, "n", 0, nil)
	f.Add(c)
	f.Add(k)
	f.Add(append(append([]byte{}, c...), ca.CertPEM...))
	f.Add(c[:len(c)/2])
	f.Add([]byte("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"))
	f.Add([]byte("junk"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if certs, err := ParseCertificatesPEM(b); err == nil && len(certs) == 0 {
			t.Fatal("no error and no certificate")
		}
		if key, err := ParsePrivateKeyPEM(b); err == nil && key == nil {
			t.Fatal("no error and no key")
		}
	})
}
