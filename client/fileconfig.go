package client

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/datamon-io/datamon/model"
	"gopkg.in/yaml.v3"
)

// FileConfig is the client.yaml file of the CLI and tools:
//
//	server: http://127.0.0.1:7001        # or a list of URLs
//	access_key: AK...
//	secret_key: ...
//	token: eyJ...                         # or token_file: /path; instead of the keys
//	s3_endpoint: http://127.0.0.1:9001
//	ca_file: /path/to/ca.crt              # CA of https endpoints (relative: to this file's directory)
//	context: default
//	name: Jane Doe                        # contributor
//	email: jane@example.com
type FileConfig struct {
	Server    ServerList `yaml:"server,omitempty"`
	AccessKey string     `yaml:"access_key,omitempty"`
	SecretKey string     `yaml:"secret_key,omitempty"`
	// Token (or TokenFile) is a JWT sent as a bearer token instead of
	// signing with the keys (see Config.Token).
	Token      string `yaml:"token,omitempty"`
	TokenFile  string `yaml:"token_file,omitempty"`
	S3Endpoint string `yaml:"s3_endpoint,omitempty"`
	CAFile     string `yaml:"ca_file,omitempty"`
	Context    string `yaml:"context,omitempty"`
	Name       string `yaml:"name,omitempty"`
	Email      string `yaml:"email,omitempty"`
}

// ServerList is a list of endpoint URLs; in YAML it is a string (URLs
// separated by commas) or a sequence of strings.
type ServerList []string

// UnmarshalYAML accepts a string or a sequence of strings.
func (s *ServerList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*s = SplitServers(n.Value)
		return nil
	case yaml.SequenceNode:
		var list []string
		if err := n.Decode(&list); err != nil {
			return err
		}
		var out ServerList
		for _, v := range list {
			out = append(out, SplitServers(v)...)
		}
		*s = out
		return nil
	}
	return fmt.Errorf("server: want a URL or a list of URLs (line %d)", n.Line)
}

// SplitServers splits "u1,u2" into trimmed, non-empty URLs.
func SplitServers(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ErrFileConfig reports a client.yaml that cannot be used.
var ErrFileConfig = errors.New("client: bad config file")

// maxFileConfig bounds the size of client.yaml.
const maxFileConfig = 1 << 20

// ParseFileConfig parses client.yaml content. Unknown keys are errors (they
// are usually typos of the known ones).
func ParseFileConfig(b []byte) (FileConfig, error) {
	var fc FileConfig
	if len(b) > maxFileConfig {
		return fc, fmt.Errorf("%w: larger than %d bytes", ErrFileConfig, maxFileConfig)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&fc); err != nil && !errors.Is(err, io.EOF) {
		return FileConfig{}, fmt.Errorf("%w: %v", ErrFileConfig, err)
	}
	for _, s := range fc.Server {
		if _, _, err := splitEndpoint(s); err != nil {
			return FileConfig{}, fmt.Errorf("%w: %v", ErrFileConfig, err)
		}
	}
	return fc, nil
}

// LoadFileConfig reads and parses a client.yaml file.
func LoadFileConfig(path string) (FileConfig, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return FileConfig{}, fmt.Errorf("%w: %w", ErrFileConfig, err)
	}
	fc, err := ParseFileConfig(b)
	if err != nil {
		return FileConfig{}, fmt.Errorf("%s: %w", path, err)
	}
	if fc.CAFile != "" && !filepath.IsAbs(fc.CAFile) {
		fc.CAFile = filepath.Join(filepath.Dir(path), fc.CAFile)
	}
	return fc, nil
}

// Marshal renders fc as YAML (server as a list).
func (fc FileConfig) Marshal() ([]byte, error) {
	return yaml.Marshal(fc)
}

// Contributor is the name/email pair of the file.
func (fc FileConfig) Contributor() model.Contributor {
	return model.Contributor{Name: fc.Name, Email: fc.Email}
}

// ClientConfig turns the file into a Config with default timeouts.
func (fc FileConfig) ClientConfig() Config {
	cfg := DefaultConfig()
	cfg.Endpoints = append([]string(nil), fc.Server...)
	cfg.AccessKey, cfg.SecretKey = fc.AccessKey, fc.SecretKey
	cfg.CAFile = fc.CAFile
	cfg.Token, cfg.TokenFile = fc.Token, fc.TokenFile
	cfg.Contributor = fc.Contributor()
	return cfg
}
