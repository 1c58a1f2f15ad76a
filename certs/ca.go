package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

// File names of a CA directory.
const (
	CACertFile = "ca.crt"
	CAKeyFile  = "ca.key"
)

// Default validities.
const (
	DefaultCAValidity   = 10 * 365 * 24 * time.Hour
	DefaultNodeValidity = 2 * 365 * 24 * time.Hour
	// backdate covers clock skew between the issuer and the verifiers.
	backdate = 5 * time.Minute
)

// CA is a loaded certificate authority.
type CA struct {
	Cert    *x509.Certificate
	CertPEM []byte
	key     crypto.Signer
}

// CAConfig configures CreateCA.
type CAConfig struct {
	Dir        string           // where ca.crt and ca.key are written (required)
	CommonName string           // "" → "datamon cluster CA"
	Validity   time.Duration    // 0 → DefaultCAValidity
	Now        func() time.Time // nil → time.Now
}

func (c *CAConfig) validate() error {
	if c.Dir == "" {
		return fmt.Errorf("%w: CA directory is required", ErrConfig)
	}
	if c.CommonName == "" {
		c.CommonName = "datamon cluster CA"
	}
	if c.Validity == 0 {
		c.Validity = DefaultCAValidity
	}
	if c.Validity < time.Hour {
		return fmt.Errorf("%w: CA validity %s is shorter than an hour", ErrConfig, c.Validity)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// CreateCA makes a new ECDSA P-256 CA and writes DIR/ca.crt (0644) and
// DIR/ca.key (0600). It refuses (ErrExists) when either file exists: a new
// CA would orphan every certificate the old one signed.
func CreateCA(cfg CAConfig) (*CA, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	certPath, keyPath := filepath.Join(cfg.Dir, CACertFile), filepath.Join(cfg.Dir, CAKeyFile)
	for _, p := range []string{certPath, keyPath} {
		if _, err := os.Lstat(p); err == nil {
			return nil, fmt.Errorf("%w: %s (remove it to make a new CA)", ErrExists, p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("certs: %w", err)
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("certs: generate CA key: %w", err)
	}
	now := cfg.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          newSerial(),
		Subject:               pkix.Name{CommonName: cfg.CommonName, Organization: []string{"datamon"}},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(cfg.Validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
		SubjectKeyId:          keyID(&key.PublicKey),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("certs: sign CA: %w", err)
	}
	cert, _ := x509.ParseCertificate(der)
	keyPEM, err := encodeKey(key)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	if err := WriteFile(keyPath, keyPEM, 0o600); err != nil {
		return nil, err
	}
	ca := &CA{Cert: cert, CertPEM: encodeCert(der), key: key}
	if err := WriteFile(certPath, ca.CertPEM, 0o644); err != nil {
		return nil, err
	}
	return ca, nil
}

// LoadCA reads DIR/ca.crt and DIR/ca.key and checks that they belong together.
func LoadCA(dir string) (*CA, error) {
	certPEM, err := readLimited(filepath.Join(dir, CACertFile))
	if err != nil {
		return nil, fmt.Errorf("certs: CA certificate: %w", err)
	}
	keyPEM, err := readLimited(filepath.Join(dir, CAKeyFile))
	if err != nil {
		return nil, fmt.Errorf("certs: CA key: %w", err)
	}
	certs, err := ParseCertificatesPEM(certPEM)
	if err != nil {
		return nil, fmt.Errorf("certs: %s: %w", filepath.Join(dir, CACertFile), err)
	}
	key, err := ParsePrivateKeyPEM(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("certs: %s: %w", filepath.Join(dir, CAKeyFile), err)
	}
	cert := certs[0]
	if !cert.IsCA {
		return nil, fmt.Errorf("%w: %s is not a CA certificate", ErrInvalid, filepath.Join(dir, CACertFile))
	}
	if !publicKeyEqual(cert.PublicKey, key.Public()) {
		return nil, fmt.Errorf("%w: %s does not match %s", ErrInvalid, CAKeyFile, CACertFile)
	}
	return &CA{Cert: cert, CertPEM: encodeCert(cert.Raw), key: key}, nil
}

// NodeConfig configures CA.IssueNode.
type NodeConfig struct {
	Name     string           // common name, usually the node ID (required)
	SANs     SANs             // every address and host name the node is reached by (at least one)
	Validity time.Duration    // 0 → DefaultNodeValidity; capped at the CA's expiry
	Now      func() time.Time // nil → time.Now
}

// IssueNode signs a new node certificate (fresh ECDSA P-256 key) usable for
// both ends of mutual TLS, and returns the certificate and key as PEM.
func (ca *CA) IssueNode(cfg NodeConfig) (certPEM, keyPEM []byte, err error) {
	if cfg.Name == "" {
		return nil, nil, fmt.Errorf("%w: node certificate name is required", ErrConfig)
	}
	if len(cfg.SANs.DNS)+len(cfg.SANs.IPs) == 0 {
		return nil, nil, fmt.Errorf("%w: node certificate needs at least one SAN", ErrConfig)
	}
	if cfg.Validity == 0 {
		cfg.Validity = DefaultNodeValidity
	}
	if cfg.Validity < time.Minute {
		return nil, nil, fmt.Errorf("%w: validity %s is shorter than a minute", ErrConfig, cfg.Validity)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("certs: generate node key: %w", err)
	}
	now := cfg.Now()
	notAfter := now.Add(cfg.Validity)
	if notAfter.After(ca.Cert.NotAfter) {
		notAfter = ca.Cert.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber:   newSerial(),
		Subject:        pkix.Name{CommonName: cfg.Name, Organization: []string{"datamon"}},
		NotBefore:      now.Add(-backdate),
		NotAfter:       notAfter,
		KeyUsage:       x509.KeyUsageDigitalSignature,
		ExtKeyUsage:    []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:       cfg.SANs.DNS,
		IPAddresses:    cfg.SANs.IPs,
		SubjectKeyId:   keyID(&key.PublicKey),
		AuthorityKeyId: ca.Cert.SubjectKeyId,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, nil, fmt.Errorf("certs: sign node certificate: %w", err)
	}
	keyPEM, err = encodeKey(key)
	if err != nil {
		return nil, nil, err
	}
	return encodeCert(der), keyPEM, nil
}

// WriteNode writes a node certificate (0644) and key (0600) atomically.
// The key goes first, so a poller never pairs a new certificate with an
// old key for longer than one write.
func WriteNode(certPath, keyPath string, certPEM, keyPEM []byte) error {
	if certPath == "" || keyPath == "" {
		return fmt.Errorf("%w: certificate and key paths are required", ErrConfig)
	}
	if err := WriteFile(keyPath, keyPEM, 0o600); err != nil {
		return err
	}
	return WriteFile(certPath, certPEM, 0o644)
}

func newSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(fmt.Sprintf("certs: serial: %v", err)) // crypto/rand does not fail
	}
	return n.Add(n, big.NewInt(1))
}

func keyID(pub *ecdsa.PublicKey) []byte {
	der, _ := x509.MarshalPKIXPublicKey(pub)
	s := sha256.Sum256(der)
	return s[:20]
}

func publicKeyEqual(a, b crypto.PublicKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	e, ok := a.(equaler)
	return ok && e.Equal(b)
}
