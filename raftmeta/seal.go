package raftmeta

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/datamon-io/datamon/model"
)

// Access key secrets are encrypted at rest. SigV4 needs the plaintext on
// the server, so they cannot be hashed; instead every node seals them with
// AES-256-GCM under a key derived by HKDF-SHA256 from the cluster secret
// (which every member holds: it signs node-to-node RPC). Meta seals a
// secret before the command is encoded, so the Raft log, the FSM (Pebble
// WAL and sstables) and snapshots only ever hold ciphertext; GetAccessKey
// opens it again.
//
// Format (versioned): sealPrefix + base64(raw std) of nonce(12) || GCM
// ciphertext+tag. The additional data is the access key ID, so a sealed
// secret cannot be moved to another key. A rotation moves the sealed
// Secret into OldSecret unchanged (same key ID, same AAD).
//
// Values without the prefix are plaintext written before encryption
// existed (old log entries replay as they were). They are still accepted on
// read, and the leader re-seals them (opSealKeys, see sealLegacy).
const sealPrefix = "dmsec1:"

// hkdfInfo names the derived key's purpose and format version.
const hkdfInfo = "datamon raftmeta access-key secrets v1"

// ErrSealed: a sealed secret could not be opened (wrong cluster secret,
// damaged value, unknown format version).
var ErrSealed = errors.New("raftmeta: cannot open sealed secret")

// MinSecretLen is the shortest cluster secret Config accepts.
const MinSecretLen = 16

type sealer struct{ aead cipher.AEAD }

func newSealer(clusterSecret []byte) (*sealer, error) {
	if len(clusterSecret) < MinSecretLen {
		return nil, fmt.Errorf("%w: cluster secret must be at least %d bytes", ErrInvalidConfig, MinSecretLen)
	}
	k, err := hkdf.Key(sha256.New, clusterSecret, nil, hkdfInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("raftmeta: derive secret key: %w", err)
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

func isSealed(v string) bool { return strings.HasPrefix(v, sealPrefix) }

// seal encrypts plain for key id ("" stays "").
func (s *sealer) seal(id, plain string) string {
	if plain == "" {
		return ""
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic(fmt.Sprintf("raftmeta: crypto/rand: %v", err)) // crypto/rand never fails on supported platforms
	}
	out := s.aead.Seal(nonce, nonce, []byte(plain), []byte(id))
	return sealPrefix + base64.RawStdEncoding.EncodeToString(out)
}

// open decrypts a sealed value of key id; plaintext (legacy) values and
// "" are returned as they are.
func (s *sealer) open(id, v string) (string, error) {
	if !isSealed(v) {
		if strings.HasPrefix(v, "dmsec") {
			return "", fmt.Errorf("%w: key %q: unknown format %q", ErrSealed, id, v[:min(len(v), 7)])
		}
		return v, nil
	}
	raw, err := base64.RawStdEncoding.DecodeString(v[len(sealPrefix):])
	if err != nil || len(raw) < s.aead.NonceSize()+s.aead.Overhead() {
		return "", fmt.Errorf("%w: key %q: malformed value", ErrSealed, id)
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(id))
	if err != nil {
		return "", fmt.Errorf("%w: key %q: %v (was the cluster secret changed?)", ErrSealed, id, err)
	}
	return string(plain), nil
}

// sealKey returns k with Secret and OldSecret sealed (already sealed
// values are kept).
func (s *sealer) sealKey(k model.AccessKey) model.AccessKey {
	if !isSealed(k.Secret) {
		k.Secret = s.seal(k.ID, k.Secret)
	}
	if !isSealed(k.OldSecret) {
		k.OldSecret = s.seal(k.ID, k.OldSecret)
	}
	return k
}

// openKey returns k with Secret and OldSecret in plaintext.
func (s *sealer) openKey(k model.AccessKey) (model.AccessKey, error) {
	var err error
	if k.Secret, err = s.open(k.ID, k.Secret); err != nil {
		return model.AccessKey{}, err
	}
	if k.OldSecret, err = s.open(k.ID, k.OldSecret); err != nil {
		return model.AccessKey{}, err
	}
	return k, nil
}

// blank returns k without secrets (lists and gets of the Identities seam).
func blank(k model.AccessKey) model.AccessKey {
	k.Secret, k.OldSecret = "", ""
	return k
}
