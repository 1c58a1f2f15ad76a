package certs

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// maxPEM bounds a certificate, key or CA bundle file.
const maxPEM = 1 << 20

// ParseCertificatesPEM parses every CERTIFICATE block of b, in order. Any
// other block type, trailing non-PEM bytes or no certificate at all is
// ErrBadPEM.
func ParseCertificatesPEM(b []byte) ([]*x509.Certificate, error) {
	if len(b) > maxPEM {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrBadPEM, maxPEM)
	}
	var out []*x509.Certificate
	rest := b
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("%w: unexpected %q block where certificates belong", ErrBadPEM, blk.Type)
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: certificate %d: %v", ErrBadPEM, len(out)+1, err)
		}
		out = append(out, c)
	}
	if len(trimSpace(rest)) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the last PEM block (torn or not PEM)", ErrBadPEM, len(trimSpace(rest)))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no certificate", ErrBadPEM)
	}
	return out, nil
}

// ParsePrivateKeyPEM parses one PKCS#8, EC or PKCS#1 private key block.
func ParsePrivateKeyPEM(b []byte) (crypto.Signer, error) {
	if len(b) > maxPEM {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrBadPEM, maxPEM)
	}
	blk, rest := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("%w: no PEM private key", ErrBadPEM)
	}
	if len(trimSpace(rest)) != 0 {
		return nil, fmt.Errorf("%w: more than one block in a key file", ErrBadPEM)
	}
	var key any
	var err error
	switch blk.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(blk.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
	default:
		return nil, fmt.Errorf("%w: %q is not a private key block", ErrBadPEM, blk.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: private key: %v", ErrBadPEM, err)
	}
	s, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%w: private key of type %T cannot sign", ErrBadPEM, key)
	}
	return s, nil
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\n' || b[0] == '\r' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}

func encodeCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func encodeKey(k crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("certs: marshal key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// readLimited reads a PEM file of at most maxPEM bytes.
func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPEM+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxPEM {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrBadPEM, path, maxPEM)
	}
	return b, nil
}

// WriteFile replaces path by data atomically (temporary file in the same
// directory, fsync, rename) with the given mode; the parent directory is
// created with mode 0700 when missing.
func WriteFile(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("certs: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("certs: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after the rename
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return fmt.Errorf("certs: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("certs: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("certs: sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("certs: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("certs: %w", err)
	}
	return nil
}
