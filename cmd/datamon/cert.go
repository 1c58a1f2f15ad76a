package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/datamon-io/datamon/certs"
)

// certResult is what `cert ca` and `cert node` print.
type certResult struct {
	Subject     string   `json:"subject"`
	Cert        string   `json:"cert"`
	Key         string   `json:"key"`
	SANs        []string `json:"sans,omitempty"`
	NotAfter    string   `json:"not_after"`
	Fingerprint string   `json:"sha256"`
}

const fmtCert = "{{.Subject}}: certificate {{.Cert}}, key {{.Key}} (mode 0600), valid until {{.NotAfter}}" +
	"{{if .SANs}}, SANs {{join .SANs}}{{end}}\nsha256 {{.Fingerprint}}"

// certCmd is `datamon cert`: the cluster CA and node certificates for TLS.
func (a *app) certCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "cert", Short: "create the cluster CA and node certificates (TLS)",
		Long: `Create the cluster certificate authority and node certificates for TLS
(docs/tls.md). ` + "`datamon cluster local`" + ` does this by itself.

  datamon cert ca --dir ./pki
  datamon cert node --ca-dir ./pki --name node1 --san 10.0.0.1,node1.example.com --out ./node1-tls

Then start the node with --tls-cert-file OUT/NAME.crt --tls-key-file OUT/NAME.key
--tls-ca-file DIR/ca.crt, and give clients DIR/ca.crt (client.yaml ca_file).`}
	cmd.AddCommand(a.certCACmd(), a.certNodeCmd())
	return cmd
}

func (a *app) certCACmd() *cobra.Command {
	var dir, name string
	var validity time.Duration
	cmd := &cobra.Command{
		Use:   "ca",
		Short: "create a new cluster CA in --dir (ca.crt, ca.key)",
		Long: `Create a new ECDSA P-256 certificate authority: DIR/ca.crt (give it to every
node and client) and DIR/ca.key (mode 0600; keep it off the nodes if you
can: it is only needed to sign node certificates). An existing CA is never
overwritten.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return usagef("--dir is required")
			}
			ca, err := certs.CreateCA(certs.CAConfig{Dir: dir, CommonName: name, Validity: validity})
			if err != nil {
				return certErr(err)
			}
			return a.print(cmd, certResult{Subject: ca.Cert.Subject.CommonName,
				Cert: filepath.Join(dir, certs.CACertFile), Key: filepath.Join(dir, certs.CAKeyFile),
				NotAfter: ca.Cert.NotAfter.UTC().Format(time.RFC3339), Fingerprint: fingerprint(ca.Cert.Raw)})
		},
	}
	f := cmd.Flags()
	f.StringVar(&dir, "dir", "", "directory for ca.crt and ca.key (created with mode 0700)")
	f.StringVar(&name, "name", "", `CA common name (default "datamon cluster CA")`)
	f.DurationVar(&validity, "validity", certs.DefaultCAValidity, "how long the CA is valid")
	addFormatFlag(cmd, fmtCert)
	return cmd
}

func (a *app) certNodeCmd() *cobra.Command {
	var caDir, name, out string
	var sans []string
	var validity time.Duration
	cmd := &cobra.Command{
		Use:   "node",
		Short: "sign a node certificate with the CA of --ca-dir",
		Long: `Sign a node certificate (fresh ECDSA P-256 key) for both ends of mutual TLS
and write OUT/NAME.crt and OUT/NAME.key (mode 0600). --san lists every
address and host name the node is reached by: its advertised RPC and Raft
hosts, and the hosts clients use for the API and S3 (IP addresses or DNS
names, no ports; repeat the flag or separate with commas).

Existing files of the same name are replaced atomically: a running node
picks the new certificate up within seconds (or at once on SIGHUP), which is
how certificates are rotated.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if caDir == "" || name == "" {
				return usagef("--ca-dir and --name are required")
			}
			if len(sans) == 0 {
				return usagef("--san is required: every address and host name the node is reached by")
			}
			parsed, err := certs.ParseSANs(sans)
			if err != nil {
				return usageError{err}
			}
			ca, err := certs.LoadCA(caDir)
			if err != nil {
				return certErr(err)
			}
			certPEM, keyPEM, err := ca.IssueNode(certs.NodeConfig{Name: name, SANs: parsed, Validity: validity})
			if err != nil {
				return certErr(err)
			}
			if out == "" {
				out = caDir
			}
			certPath, keyPath := filepath.Join(out, name+".crt"), filepath.Join(out, name+".key")
			if err := certs.WriteNode(certPath, keyPath, certPEM, keyPEM); err != nil {
				return certErr(err)
			}
			chain, err := certs.ParseCertificatesPEM(certPEM)
			if err != nil {
				return certErr(err)
			}
			return a.print(cmd, certResult{Subject: name, Cert: certPath, Key: keyPath, SANs: parsed.Strings(),
				NotAfter: chain[0].NotAfter.UTC().Format(time.RFC3339), Fingerprint: fingerprint(chain[0].Raw)})
		},
	}
	f := cmd.Flags()
	f.StringVar(&caDir, "ca-dir", "", "directory of the CA (ca.crt, ca.key)")
	f.StringVar(&name, "name", "", "certificate name, usually the node ID; also the file name")
	f.StringSliceVar(&sans, "san", nil, "address or host name the node is reached by (repeatable, comma separated)")
	f.StringVar(&out, "out", "", "directory for NAME.crt and NAME.key (default: --ca-dir)")
	f.DurationVar(&validity, "validity", certs.DefaultNodeValidity, "how long the certificate is valid (at most the CA's remaining life)")
	addFormatFlag(cmd, fmtCert)
	return cmd
}

// certErr makes bad arguments (an existing CA, a bad SAN, a bad validity)
// usage errors and keeps the rest as they are.
func certErr(err error) error {
	if errors.Is(err, certs.ErrConfig) || errors.Is(err, certs.ErrBadSAN) || errors.Is(err, certs.ErrExists) {
		return usageError{err}
	}
	return err
}

func fingerprint(der []byte) string {
	s := sha256.Sum256(der)
	return hex.EncodeToString(s[:])
}
