package localcluster

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// Secrets are generated on first start and kept in DIR/cluster.yaml (mode 0600).
type Secrets struct {
	ClusterSecret string `yaml:"cluster_secret"`
	AccessKey     string `yaml:"access_key"`
	SecretKey     string `yaml:"secret_key"`
	// MetricsToken is the nodes' /metrics bearer token (also in
	// DIR/metrics-token for Prometheus' credentials_file).
	MetricsToken string `yaml:"metrics_token"`
}

func randHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return hex.EncodeToString(b)
}

func loadOrCreateSecrets(dir string) (Secrets, error) {
	path := filepath.Join(dir, "cluster.yaml")
	b, err := os.ReadFile(path)
	if err == nil {
		var s Secrets
		if err := yaml.Unmarshal(b, &s); err != nil || s.ClusterSecret == "" || s.AccessKey == "" {
			return Secrets{}, fmt.Errorf("localcluster: %s is not a valid cluster file: %v", path, err)
		}
		if s.MetricsToken == "" { // a cluster file from before metrics tokens
			s.MetricsToken = randHex(16)
			out, _ := yaml.Marshal(s)
			if err := os.WriteFile(path, out, 0o600); err != nil {
				return Secrets{}, fmt.Errorf("localcluster: write secrets: %w", err)
			}
		}
		return s, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return Secrets{}, err
	}
	s := Secrets{ClusterSecret: randHex(32), AccessKey: "DM" + randHex(9), SecretKey: randHex(20), MetricsToken: randHex(16)}
	out, _ := yaml.Marshal(s)
	if err := os.WriteFile(path, out, 0o600); err != nil {
		return Secrets{}, fmt.Errorf("localcluster: write secrets: %w", err)
	}
	return s, nil
}

// ClientConfig is the CLI's client.yaml.
type ClientConfig struct {
	Server     []string `yaml:"server"`
	AccessKey  string   `yaml:"access_key"`
	SecretKey  string   `yaml:"secret_key"`
	S3Endpoint string   `yaml:"s3_endpoint,omitempty"`
	CAFile     string   `yaml:"ca_file,omitempty"`
	Context    string   `yaml:"context"`
	Name       string   `yaml:"name"`
	Email      string   `yaml:"email"`
}

func writeClientConfig(path string, c ClientConfig) error {
	out, err := yaml.Marshal(c)
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o600)
}
