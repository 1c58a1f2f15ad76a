package main

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/model"
	"github.com/spf13/cobra"
)

// configFile is the client config file the CLI reads and `config set`
// writes: --config, else DATAMON_CONFIG, else ~/.datamon/client.yaml
// (explicit is false for the default; "" without a home directory).
func (a *app) configFile() (path string, explicit bool) {
	if a.configPath != "" {
		return a.configPath, true
	}
	if v := a.getenv("DATAMON_CONFIG"); v != "" {
		return v, true
	}
	if h, err := a.home(); err == nil {
		return h + "/.datamon/client.yaml", false
	}
	return "", false
}

func (a *app) configCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "write the client config file (client.yaml)"}
	set := &cobra.Command{
		Use:     "set",
		Aliases: []string{"create"},
		Short:   "set --server, --context and/or the keys of --credential in the client config file",
		Long: `Writes the client config file: --config FILE, else $DATAMON_CONFIG, else ~/.datamon/client.yaml.
An existing file is merged: only the values given change (name, email, s3_endpoint and the
others stay). The file is written with mode 0600 through a temporary file renamed over the old
one, so it is never half-written; a file that does not parse is left as it is (error).

  --server URL[,URL...]  the node URLs
  --context NAME         the default context
  --ca-file FILE         the CA certificate(s) of https servers (stored as an absolute path)
  --credential FILE      a YAML file with access_key and secret_key (other keys are ignored:
                         the cluster.yaml of 'datamon cluster local' or another client.yaml serve)

Environment variables (DATAMON_SERVER, DATAMON_ACCESS_KEY, ...) are not written.
Prints where it wrote on stderr (with --output json: the path and the values, without the secret, on stdout).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if a.output != "text" && a.output != "json" {
				return usagef("--output must be text or json, not %q", a.output)
			}
			u, err := a.configUpdate(cmd)
			if err != nil {
				return err
			}
			path, _ := a.configFile()
			if path == "" {
				return usagef("no home directory: pass --config FILE")
			}
			written, fc, err := client.UpdateFileConfig(path, u)
			if err != nil {
				return err
			}
			if a.output == "json" {
				enc := json.NewEncoder(a.out)
				enc.SetIndent("", "  ")
				return enc.Encode(configSetResult{Path: written, Server: fc.Server, Context: fc.Context, AccessKey: fc.AccessKey})
			}
			a.say("wrote %s", written)
			return nil
		},
	}
	set.Flags().String("credential", "", "YAML file with access_key and secret_key to store in the config file")
	cmd.AddCommand(set)
	return cmd
}

// configSetResult is `config set --output json`.
type configSetResult struct {
	Path      string   `json:"path"`
	Server    []string `json:"server"`
	Context   string   `json:"context,omitempty"`
	AccessKey string   `json:"access_key,omitempty"`
}

// configUpdate turns the flags given into the update (a usage error when
// none is given or one is malformed).
func (a *app) configUpdate(cmd *cobra.Command) (client.FileConfigUpdate, error) {
	var u client.FileConfigUpdate
	if cmd.Flags().Changed("server") {
		u.Server = client.SplitServers(a.servers)
		if len(u.Server) == 0 {
			return u, usagef("--server: no URL given")
		}
		for _, s := range u.Server {
			if err := client.ValidateEndpoint(s); err != nil {
				return u, usagef("--server: %v", err)
			}
		}
	}
	if cmd.Flags().Changed("context") {
		if err := model.ValidateContextName(a.contextName); err != nil {
			return u, usagef("--context: %v", err)
		}
		u.Context = &a.contextName
	}
	if p, _ := cmd.Flags().GetString("credential"); p != "" {
		c, err := client.LoadCredential(p)
		if err != nil {
			return u, usagef("--credential: %v", err)
		}
		u.AccessKey, u.SecretKey = &c.AccessKey, &c.SecretKey
	}
	if cmd.Flags().Changed("ca-file") {
		p := a.caFile
		if p != "" {
			abs, err := filepath.Abs(p)
			if err != nil {
				return u, usagef("--ca-file: %v", err)
			}
			if _, err := os.Stat(abs); err != nil {
				return u, usagef("--ca-file: %v", err)
			}
			p = abs
		}
		u.CAFile = &p
	}
	if u.Server == nil && u.Context == nil && u.AccessKey == nil && u.CAFile == nil {
		return u, usagef("%s: nothing to set: give --server, --context, --ca-file and/or --credential", cmd.CommandPath())
	}
	return u, nil
}
