package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"strings"

	"github.com/datamon-io/datamon/client"
	"github.com/spf13/cobra"
)

// app holds the CLI's streams, environment and global flags; commands are
// built by its methods (no package state).
type app struct {
	in     io.Reader
	out    io.Writer // data
	errOut io.Writer // human chatter, prompts, logs
	getenv func(string) string
	home   func() (string, error)
	// stdinTerminal reports whether prompts can be answered.
	stdinTerminal func() bool

	// global flags
	configPath  string
	servers     string
	caFile      string
	contextName string
	output      string
	logLevel    string
	token       string
	tokenFile   string

	// dial overrides the client's dialer (tests).
	dial func(addr string) (net.Conn, error)
}

func newApp(in io.Reader, out, errOut io.Writer, getenv func(string) string) *app {
	return &app{
		in: in, out: out, errOut: errOut, getenv: getenv, home: os.UserHomeDir,
		stdinTerminal: func() bool { return isTerminal(in) },
	}
}

// newRootCmd builds the command tree on the process's streams.
func newRootCmd() *cobra.Command {
	return newApp(os.Stdin, os.Stdout, os.Stderr, os.Getenv).rootCmd()
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "datamon",
		Short: "datamon: versioned datasets on a self-hosted cluster",
		Long: `datamon stores versioned datasets (repos of bundles, with labels) on a cluster of datamon nodes.

Configuration: --config FILE (env DATAMON_CONFIG, default ~/.datamon/client.yaml when it exists),
--server URL[,URL...] (env DATAMON_SERVER, overrides the file), keys from the file or
DATAMON_ACCESS_KEY / DATAMON_SECRET_KEY, or a bearer token (a JWT from an issuer the cluster
trusts) from --token / --token-file, DATAMON_TOKEN / DATAMON_TOKEN_FILE or the file's token /
token_file, sent instead of a signature; the CA of https servers from ca_file, --ca-file or
DATAMON_CA_FILE. Data goes to stdout, messages to stderr.

Exit codes: 0 ok, 1 error, 2 not found (ENOENT), 3 precondition failed, 64 usage error.`,
		SilenceUsage: true, SilenceErrors: true,
	}
	root.SetIn(a.in)
	root.SetOut(a.out)
	root.SetErr(a.errOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&a.configPath, "config", "", "client config file (env DATAMON_CONFIG; default ~/.datamon/client.yaml)")
	pf.StringVar(&a.servers, "server", "", "node URL(s), comma separated (env DATAMON_SERVER; overrides the config file)")
	pf.StringVar(&a.caFile, "ca-file", "", "CA certificate(s) of https servers (env DATAMON_CA_FILE; overrides ca_file of the config file)")
	pf.StringVar(&a.contextName, "context", "", `context (default: the config file's, else "default")`)
	pf.StringVar(&a.output, "output", "text", "output: text or json")
	pf.StringVar(&a.logLevel, "loglevel", "warn", "log level: none, error, warn, info, debug")
	pf.StringVar(&a.token, "token", "", "bearer token (JWT) sent instead of signing with the access key (env DATAMON_TOKEN; visible to other users of this machine: prefer the env or --token-file)")
	pf.StringVar(&a.tokenFile, "token-file", "", "file holding the bearer token, re-read for every request (env DATAMON_TOKEN_FILE)")

	cluster := &cobra.Command{Use: "cluster", Short: "cluster status and membership"}
	cluster.AddCommand(newClusterLocalCmd())
	a.addClusterCmds(cluster)
	cluster.AddCommand(newClusterDurabilityCmds(a)...)
	root.AddCommand(newGCCmd(a))
	root.AddCommand(newNodeCmd(), cluster, a.repoCmd(), a.bundleCmd(), a.labelCmd(), a.contextCmd(), a.userCmd(), a.keyCmd(), a.grantCmd(), a.debugCmd(), a.lfsCmd(), a.versionCmd(), a.configCmd(), a.certCmd())
	root.AddCommand(a.auditCmd(), newCSICmd(), newSidecarCmd()) // csi.go, sidecar.go
	root.AddCommand(a.runCmd(), a.lineageCmd())                 // run.go, lineage.go
	rejectUnknownSubcommands(root)
	a.registerCompletions(root)
	return root
}

// settings is the resolved client configuration.
type settings struct {
	file    client.FileConfig
	context string
	// looked says where the config file was looked for, for "no config".
	looked string
}

// resolve applies the precedence flag > environment > config file > default.
func (a *app) resolve(cmd *cobra.Command) (settings, error) {
	var s settings
	dot := cmd != nil && cmd.Annotations[annOutputDot] != ""
	if a.output != "text" && a.output != "json" && (a.output != "dot" || !dot) {
		if dot {
			return s, usagef("--output must be text, json or dot, not %q", a.output)
		}
		return s, usagef("--output must be text or json, not %q", a.output)
	}
	path, explicit := a.configFile()
	s.looked = "no --config, DATAMON_CONFIG unset, no home directory"
	if path != "" {
		fc, err := client.LoadFileConfig(path)
		switch {
		case err == nil:
			s.file = fc
			s.looked = path
		case explicit || !errors.Is(err, fs.ErrNotExist):
			return s, err
		default:
			s.looked = "no --config, DATAMON_CONFIG unset, " + path + " does not exist"
		}
	}
	if v := a.getenv("DATAMON_SERVER"); v != "" {
		s.file.Server = client.SplitServers(v)
	}
	if a.servers != "" {
		s.file.Server = client.SplitServers(a.servers)
	}
	if v := a.getenv("DATAMON_ACCESS_KEY"); v != "" {
		s.file.AccessKey = v
	}
	if v := a.getenv("DATAMON_SECRET_KEY"); v != "" {
		s.file.SecretKey = v
	}
	if v := a.getenv("DATAMON_CA_FILE"); v != "" {
		s.file.CAFile = v
	}
	if a.caFile != "" {
		s.file.CAFile = a.caFile
	}
	a.resolveToken(&s.file)
	s.context = s.file.Context
	if cmd != nil && cmd.Flags().Changed("context") {
		s.context = a.contextName
	}
	if s.context == "" {
		s.context = "default"
	}
	return s, nil
}

// client builds an API client from the resolved settings.
func (a *app) client(cmd *cobra.Command) (*client.Client, settings, error) {
	s, err := a.resolve(cmd)
	if err != nil {
		return nil, s, err
	}
	cfg := s.file.ClientConfig()
	cfg.Logger = a.logger()
	cfg.Run = a.getenv(client.RunEnvVar) // commits become outputs of the run (run.go)
	if a.dial != nil {
		cfg.Dial = func(addr string) (net.Conn, error) { return a.dial(addr) }
	}
	if len(cfg.Endpoints) == 0 {
		return nil, s, cliError{msg: "no config: " + s.looked + "; and no --server or DATAMON_SERVER " +
			"(`make run` writes ./datamon-local/client.yaml: export DATAMON_CONFIG=$PWD/datamon-local/client.yaml)", err: client.ErrConfig}
	}
	c, err := client.New(cfg)
	return c, s, err
}

func (a *app) logger() *slog.Logger {
	var lvl slog.Level
	switch strings.ToLower(a.logLevel) {
	case "none", "off":
		return slog.New(slog.DiscardHandler)
	case "error":
		lvl = slog.LevelError
	case "info":
		lvl = slog.LevelInfo
	case "debug":
		lvl = slog.LevelDebug
	default:
		lvl = slog.LevelWarn
	}
	return slog.New(slog.NewTextHandler(a.errOut, &slog.HandlerOptions{Level: lvl}))
}

func ctxOf(cmd *cobra.Command) context.Context {
	if c := cmd.Context(); c != nil {
		return c
	}
	return context.Background()
}

// say prints human chatter to stderr.
func (a *app) say(format string, args ...any) { fmt.Fprintf(a.errOut, format+"\n", args...) }
