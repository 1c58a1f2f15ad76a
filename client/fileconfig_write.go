package client

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"
)

// FileConfigUpdate is what `datamon config set` changes in client.yaml; nil
// fields keep the file's value.
type FileConfigUpdate struct {
	Server  []string
	Context *string
	// AccessKey and SecretKey come together (from a credential file).
	AccessKey, SecretKey *string
	// CAFile sets ca_file ("" removes it).
	CAFile *string
}

// Apply returns fc with u's fields set.
func (u FileConfigUpdate) Apply(fc FileConfig) FileConfig {
	if u.Server != nil {
		fc.Server = append(ServerList(nil), u.Server...)
	}
	if u.Context != nil {
		fc.Context = *u.Context
	}
	if u.AccessKey != nil {
		fc.AccessKey = *u.AccessKey
	}
	if u.SecretKey != nil {
		fc.SecretKey = *u.SecretKey
	}
	if u.CAFile != nil {
		fc.CAFile = *u.CAFile
	}
	return fc
}

// UpdateFileConfig merges u into the client.yaml at path (a missing file
// starts empty) and writes the result atomically with mode 0600: a temporary
// file in the same directory, fsynced, then renamed over the old one, so a
// crash leaves either the old file or the new one. A file that does not
// parse is left untouched (ErrFileConfig). A symlinked path updates the
// link's target. Missing parent directories are created with mode 0700.
// It returns the file written and the merged config.
func UpdateFileConfig(path string, u FileConfigUpdate) (string, FileConfig, error) {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	var fc FileConfig
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if fc, err = ParseFileConfig(b); err != nil {
			return path, fc, fmt.Errorf("%s: %w (not changed)", path, err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return path, fc, fmt.Errorf("%w: %w", ErrFileConfig, err)
	}
	fc = u.Apply(fc)
	out, err := fc.Marshal()
	if err != nil {
		return path, fc, fmt.Errorf("%w: %v", ErrFileConfig, err)
	}
	// What is written must load again (e.g. a bad --server URL).
	if _, err := ParseFileConfig(out); err != nil {
		return path, fc, fmt.Errorf("%s: %w (not changed)", path, err)
	}
	return path, fc, writeFileAtomic(path, out, 0o600)
}

// writeFileAtomic replaces path by data (temp file, fsync, rename, fsync of
// the directory).
func writeFileAtomic(path string, data []byte, mode fs.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("%w: %w", ErrFileConfig, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("%w: %w", ErrFileConfig, err)
	}
	tmp := f.Name()
	fail := func(err error) error {
		_ = f.Close()
		_ = os.Remove(tmp)
		return fmt.Errorf("%w: write %s: %w", ErrFileConfig, path, err)
	}
	if err := f.Chmod(mode); err != nil {
		return fail(err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("%w: write %s: %w", ErrFileConfig, path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // best effort: not every filesystem syncs directories
		_ = d.Close()
	}
	return nil
}

// Credential is an access key pair read from a credential file.
type Credential struct {
	AccessKey string `yaml:"access_key"`
	SecretKey string `yaml:"secret_key"`
}

// ParseCredential parses a credential file: YAML with access_key and
// secret_key (both required, non-empty, without spaces or control
// characters). Other keys are ignored, so another
// client.yaml or the cluster.yaml of `datamon cluster local` can serve.
func ParseCredential(b []byte) (Credential, error) {
	var c Credential
	if len(b) > maxFileConfig {
		return c, fmt.Errorf("%w: credential file larger than %d bytes", ErrFileConfig, maxFileConfig)
	}
	if err := yaml.NewDecoder(bytes.NewReader(b)).Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return Credential{}, fmt.Errorf("%w: credential file: %v", ErrFileConfig, err)
	}
	if c.AccessKey == "" || c.SecretKey == "" {
		return Credential{}, fmt.Errorf("%w: credential file: want both access_key and secret_key", ErrFileConfig)
	}
	for _, k := range []struct{ name, v string }{{"access_key", c.AccessKey}, {"secret_key", c.SecretKey}} {
		if i := strings.IndexFunc(k.v, func(r rune) bool { return r <= ' ' || r == 0x7f || !unicode.IsPrint(r) }); i >= 0 {
			return Credential{}, fmt.Errorf("%w: credential file: %s has a space or control character at byte %d", ErrFileConfig, k.name, i)
		}
	}
	return c, nil
}

// LoadCredential reads and parses a credential file.
func LoadCredential(path string) (Credential, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Credential{}, fmt.Errorf("%w: %w", ErrFileConfig, err)
	}
	c, err := ParseCredential(b)
	if err != nil {
		return Credential{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ValidateEndpoint checks one server URL as client.yaml and Config accept it
// (http://host:port, https://host:port or host:port).
func ValidateEndpoint(e string) error {
	_, _, err := splitEndpoint(e)
	return err
}
