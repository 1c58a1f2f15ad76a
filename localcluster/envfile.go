package localcluster

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// EnvFilePath is DIR/env.sh: the shell settings for this cluster's CLI and S3
// tools, written (mode 0600) once the cluster is ready. `. DIR/env.sh` sets
// DATAMON_CONFIG, the AWS_* variables of the root key, AWS_CA_BUNDLE (the
// cluster CA, with TLS) and S3 (node 1's S3 endpoint), so `datamon …` and `aws --endpoint-url $S3 …` work as written.
func (c *Cluster) EnvFilePath() string { return filepath.Join(c.cfg.Dir, "env.sh") }

func (c *Cluster) writeEnvFile() error {
	cfgPath, err := filepath.Abs(c.ClientConfigPath())
	if err != nil {
		return fmt.Errorf("localcluster: env.sh: %w", err)
	}
	var b strings.Builder
	b.WriteString("# datamon local cluster: load with  . " + c.EnvFilePath() + "\n")
	for _, kv := range [][2]string{
		{"DATAMON_CONFIG", cfgPath},
		{"AWS_ACCESS_KEY_ID", c.Secrets.AccessKey},
		{"AWS_SECRET_ACCESS_KEY", c.Secrets.SecretKey},
		{"AWS_DEFAULT_REGION", "us-east-1"},
		{"S3", c.Nodes[0].S3URL()},
	} {
		fmt.Fprintf(&b, "export %s=%s\n", kv[0], shellQuote(kv[1]))
	}
	// aws cli and boto3 read AWS_CA_BUNDLE (s3cmd: --ca-certs, rclone: --ca-cert).
	if ca := c.CAFile(); ca != "" {
		fmt.Fprintf(&b, "export AWS_CA_BUNDLE=%s\n", shellQuote(ca))
	}
	if err := os.WriteFile(c.EnvFilePath(), []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("localcluster: env.sh: %w", err)
	}
	return nil
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
