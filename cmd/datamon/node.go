package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"github.com/datamon-io/datamon/layout"
	"github.com/datamon-io/datamon/node"
)

// newNodeCmd is `datamon node`: runs a server until SIGINT/SIGTERM.
func newNodeCmd() *cobra.Command {
	cfg := node.DefaultConfig()
	var (
		configFile, secretFile, metricsTokenFile, ec, join, logLevel, logFormat string
		clockOffset                                                             time.Duration
	)
	cmd := &cobra.Command{
		Use:   "node",
		Short: "Run a datamon storage and metadata node",
		Long: `Run a datamon node: gossip membership, shard storage, Raft metadata, the
public HTTP API and the S3 gateway.

Secrets come from the environment (never from flags, which other users can see):
  DATAMON_CLUSTER_SECRET   cluster secret shared by all nodes (or --secret-file)
  DATAMON_ROOT_ACCESS_KEY  root user installed at bootstrap (optional)
  DATAMON_ROOT_SECRET_KEY

TLS: --tls-cert-file, --tls-key-file and --tls-ca-file (from ` + "`datamon cert`" + `)
turn on mutual TLS for internal RPC and Raft and TLS for the API and S3;
certificates are re-read on SIGHUP and when the files change (docs/tls.md).

Behind NAT, port forwarding or a proxy, --advertise-rpc, --advertise-raft and
--advertise-gossip give the host:port other nodes dial for internal RPC, Raft
and gossip when it differs from the bind address (gossip: an IP, and the
forwarder must carry UDP and TCP; --advertise sets the host of every address
that binds 0.0.0.0).

A YAML file (--config) may hold any flag by its long name with '-' as '_';
flags given on the command line win.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if configFile != "" {
				// Flags given on the command line win over the file.
				changed := map[string]string{}
				cmd.Flags().Visit(func(f *pflag.Flag) { changed[f.Name] = f.Value.String() })
				if err := loadNodeConfigFile(configFile, &cfg); err != nil {
					return err
				}
				for name, v := range changed {
					if err := cmd.Flags().Set(name, v); err != nil {
						return err
					}
				}
			}
			if join != "" {
				cfg.Join = splitList(join)
			}
			if ec != "" {
				p, err := layout.ParsePolicy(ec)
				if err != nil {
					return err
				}
				cfg.Policy = &p
			}
			secret := os.Getenv("DATAMON_CLUSTER_SECRET")
			if secretFile != "" {
				b, err := os.ReadFile(secretFile)
				if err != nil {
					return fmt.Errorf("secret file: %w", err)
				}
				secret = strings.TrimSpace(string(b))
			}
			cfg.Secret = []byte(secret)
			if tok := os.Getenv("DATAMON_METRICS_TOKEN"); tok != "" {
				cfg.MetricsToken = tok
			}
			if metricsTokenFile != "" {
				b, err := os.ReadFile(metricsTokenFile)
				if err != nil {
					return fmt.Errorf("metrics token file: %w", err)
				}
				cfg.MetricsToken = strings.TrimSpace(string(b))
			}
			cfg.RootAccessKey = os.Getenv("DATAMON_ROOT_ACCESS_KEY")
			cfg.RootSecretKey = os.Getenv("DATAMON_ROOT_SECRET_KEY")
			cfg.ClockOffset = clockOffset
			cfg.Logger = newLogger(logLevel, logFormat)
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return node.Run(ctx, cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&configFile, "config", "", "node config file (YAML)")
	f.StringVar(&cfg.ID, "id", "", "node ID (default: kept in the data dir, generated on first start)")
	f.StringVar(&cfg.Site, "site", cfg.Site, "failure domain of this node (rack, building, region)")
	f.Uint64Var(&cfg.Capacity, "capacity", 0, "placement weight in bytes (default: size of the data dir's filesystem)")
	f.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "where the node keeps its data")
	f.StringVar(&cfg.GossipAddr, "gossip", cfg.GossipAddr, "gossip bind address (TCP+UDP)")
	f.StringVar(&cfg.RPCAddr, "rpc", cfg.RPCAddr, "internal node-to-node RPC bind address")
	f.StringVar(&cfg.RaftAddr, "raft", cfg.RaftAddr, "Raft bind address")
	f.StringVar(&cfg.APIAddr, "api", cfg.APIAddr, "public HTTP API bind address")
	f.StringVar(&cfg.S3Addr, "s3", cfg.S3Addr, "S3 gateway bind address (empty disables)")
	f.StringSliceVar(&cfg.S3Domains, "s3-domain", nil, "enable virtual-host-style S3 addressing for bucket.<domain> (repeatable)")
	f.StringVar(&cfg.Advertise, "advertise", "", "host other nodes use to reach this one (when binding 0.0.0.0)")
	f.StringVar(&cfg.AdvertiseRPC, "advertise-rpc", "", "host:port other nodes dial for internal RPC, when it differs from the bind address (NAT, port forwarding, a proxy)")
	f.StringVar(&cfg.AdvertiseRaft, "advertise-raft", "", "host:port other nodes dial for Raft, when it differs from the bind address (NAT, port forwarding, a proxy)")
	f.StringVar(&cfg.AdvertiseGossip, "advertise-gossip", "", "IP:port other nodes use for gossip (UDP and TCP), when it differs from the bind address (NAT, port forwarding, a proxy)")
	f.StringVar(&join, "join", "", "comma-separated gossip addresses of existing members")
	f.IntVar(&cfg.BootstrapExpect, "bootstrap-expect", cfg.BootstrapExpect, "the first N server nodes seen by gossip form the Raft group")
	f.IntVar(&cfg.Voters, "voters", cfg.Voters, "Raft voter target: 3 or 5 (spread across sites)")
	f.StringVar(&ec, "ec", "", "erasure policy K+M recorded at bootstrap (default from cluster size: 3 nodes 2+1, 4-5 nodes 2+2, 6-7 nodes 4+2, 8-11 nodes 6+2, 12+ nodes 8+3)")
	f.StringVar(&cfg.TLSCertFile, "tls-cert-file", "", "node certificate (PEM, `datamon cert node`): with --tls-key-file and --tls-ca-file, internal RPC and Raft use mutual TLS and the API and S3 serve TLS")
	f.StringVar(&cfg.TLSKeyFile, "tls-key-file", "", "private key of --tls-cert-file (PEM)")
	f.StringVar(&cfg.TLSCAFile, "tls-ca-file", "", "cluster CA certificate(s) peers are verified against (PEM)")
	f.StringVar(&cfg.PublicCertFile, "public-cert-file", "", "certificate the API and S3 serve instead of the node certificate (PEM; any CA); alone it turns TLS on for them")
	f.StringVar(&cfg.PublicKeyFile, "public-key-file", "", "private key of --public-cert-file (PEM)")
	f.DurationVar(&cfg.TLSReloadInterval, "tls-reload-interval", 0, "how often certificate files are checked for new content (0: 2s; negative: only on SIGHUP)")
	f.StringVar(&secretFile, "secret-file", "", "file holding the cluster secret (instead of DATAMON_CLUSTER_SECRET)")
	f.Int64Var(&cfg.BallastBytes, "ballast-bytes", 0, "disk space reserved in the data dir and released when the disk fills up, so metadata keeps working while shard writes are refused (0: 1% of the filesystem, 16 MiB-1 GiB; -1: none)")
	f.Int64Var(&cfg.MemoryLimit, "memory-limit", 0, "Go soft memory limit of the node in bytes (0: 1 GiB, -1: none; GOMEMLIMIT wins)")
	f.IntVar(&cfg.PooledBodyLimit, "pooled-body-limit", 0, "largest HTTP body buffer kept for reuse, bytes (0: 1 MiB)")
	f.BoolVar(&cfg.Fast, "fast", false, "fast gossip and Raft timings (loopback clusters, tests)")
	f.DurationVar(&cfg.RaftHeartbeat, "raft-heartbeat", 0, "Raft heartbeat timeout: a follower that hears nothing from the leader this long starts an election (0: 1s; --fast 200ms)")
	f.DurationVar(&cfg.RaftElection, "raft-election", 0, "Raft election timeout of a candidate (0: the heartbeat timeout)")
	f.DurationVar(&cfg.RaftLease, "raft-lease", 0, "Raft leader lease: a leader that reaches no quorum this long steps down; at most the heartbeat timeout (0: half the heartbeat timeout)")
	f.StringVar(&metricsTokenFile, "metrics-token-file", "", "file holding a bearer token that GET /metrics accepts instead of a signed request (or DATAMON_METRICS_TOKEN)")
	f.Int64Var(&cfg.AuditMaxBytes, "audit-max-bytes", 0, "audit log size kept in the data dir; the oldest segments go first (0: 1 GiB)")
	f.DurationVar(&cfg.AuditMaxAge, "audit-max-age", 0, "audit records older than this are deleted (0: 90 days)")
	f.IntVar(&cfg.AuthFailuresPerKey, "auth-failures-per-key", 0, "failed authentications of one access key from one address, within --auth-failure-window, that throttle it (0: 10)")
	f.IntVar(&cfg.AuthFailuresPerSource, "auth-failures-per-source", 0, "failed authentications from one address, any key, that throttle the address (0: 100)")
	f.DurationVar(&cfg.AuthFailureWindow, "auth-failure-window", 0, "sliding window failed authentications are counted in (0: 15m)")
	f.DurationVar(&cfg.LFSHrefTTL, "lfs-href-ttl", 0, "how long Git LFS transfer hrefs stay valid (0: 1h)")
	f.BoolVar(&cfg.LFSSpreadTransfers, "lfs-spread-transfers", false, "point Git LFS transfer hrefs at the node chosen per object among the alive nodes' advertised API addresses, not the batch's node (clients must reach every node)")
	f.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	f.StringVar(&logFormat, "log-format", "text", "text or json")
	f.DurationVar(&clockOffset, "test-clock-offset", 0, "shift this node's clock (fault-injection tests only)")
	_ = f.MarkHidden("test-clock-offset")
	f.Uint64Var(&cfg.TestRaftSnapshotThreshold, "test-raft-snapshot-threshold", 0, "raft snapshot threshold N (trailing logs N/2, snapshot check every second; fault-injection tests only)")
	_ = f.MarkHidden("test-raft-snapshot-threshold")
	f.StringVar(&cfg.TestFaultFile, "test-fault-file", "", "disk-fault rules file: `eio <glob>` lines make reads of matching shard files fail with EIO (fault-injection tests only)")
	_ = f.MarkHidden("test-fault-file")
	return cmd
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func loadNodeConfigFile(path string, cfg *node.Config) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("node config: %w", err)
	}
	if err := yaml.Unmarshal(b, cfg); err != nil {
		return fmt.Errorf("node config %s: %w", path, err)
	}
	return nil
}

func newLogger(level, format string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}
