package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/datamon-io/datamon/localcluster"
)

// newClusterLocalCmd is `datamon cluster local`: N node processes on loopback
// until Ctrl-C / SIGTERM.
func newClusterLocalCmd() *cobra.Command {
	cfg := localcluster.DefaultConfig()
	cmd := &cobra.Command{
		Use:   "local",
		Short: "Start a local multi-node cluster on loopback (Ctrl-C stops it)",
		Long: `Start N datamon node processes on 127.0.0.1 with distinct ports, sites
assigned round-robin. Data, logs, secrets (cluster.yaml) and the client config
(client.yaml) live in --dir; running it again on the same --dir restarts the
same cluster with its data.

TLS is on unless --tls=false: a cluster CA in DIR/tls (kept across restarts),
a certificate per node, mutual TLS between nodes and https on the API and S3
ports; client.yaml names the CA (ca_file) and env.sh exports it as
AWS_CA_BUNDLE for aws cli and boto3.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			cfg.Binary = exe
			if cfg.Dir, err = filepath.Abs(cfg.Dir); err != nil {
				return err
			}
			out := cmd.ErrOrStderr()
			cfg.Out = out
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			fmt.Fprintf(out, "starting %d nodes on %d sites in %s ...\n", cfg.Nodes, cfg.Sites, cfg.Dir)
			c, err := localcluster.Start(ctx, cfg)
			if err != nil {
				return err
			}
			printLocalCluster(cmd.OutOrStdout(), c, exe)
			superviseLocal(ctx, out, c)
			fmt.Fprintln(out, "stopping nodes ...")
			if err := c.Stop(); err != nil {
				return err
			}
			fmt.Fprintln(out, "all nodes stopped")
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Nodes, "nodes", 3, "number of nodes")
	f.IntVar(&cfg.Sites, "sites", 3, "number of sites (round-robin)")
	f.StringVar(&cfg.Dir, "dir", "./datamon-local", "directory for data, logs, secrets and client.yaml")
	f.IntVar(&cfg.BasePort, "base-port", 17000, "node i uses base+10*i .. +4 (gossip, rpc, raft, api, s3); 0 picks free ports")
	f.BoolVar(&cfg.TLS, "tls", true, "TLS on every port (cluster CA and node certificates in DIR/tls); --tls=false for plain HTTP")
	f.StringVar(&cfg.EC, "ec", "", "erasure policy K+M (default from cluster size)")
	f.DurationVar(&cfg.ReadyTimeout, "ready-timeout", 90*time.Second, "give up when the cluster makes no progress towards ready (nodes answering, leader known, layout applied) for this long")
	f.DurationVar(&cfg.ReadyCeiling, "ready-ceiling", 10*time.Minute, "give up when the cluster is not ready after this long, progress or not")
	return cmd
}

func printLocalCluster(w io.Writer, c *localcluster.Cluster, exe string) {
	fmt.Fprintf(w, "datamon local cluster is ready: %d nodes\n\n", len(c.Nodes))
	fmt.Fprintf(w, "  %-6s %-6s %-7s %-24s %-24s %s\n", "NODE", "SITE", "PID", "API", "S3", "LOG")
	for _, n := range c.Nodes {
		fmt.Fprintf(w, "  %-6s %-6s %-7d %-24s %-24s %s\n", n.ID, n.Site, n.PID(), n.APIURL(), n.S3URL(), n.LogPath())
	}
	fmt.Fprintf(w, "\ncredentials (root):\n  access key: %s\n  secret key: %s\n", c.Secrets.AccessKey, c.Secrets.SecretKey)
	fmt.Fprintf(w, "\nclient config: %s\n", c.ClientConfigPath())
	if ca := c.CAFile(); ca != "" {
		fmt.Fprintf(w, "cluster CA (TLS): %s\n", ca)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "shell settings (DATAMON_CONFIG, AWS_* and S3): %s\n\n", c.EnvFilePath())
	fmt.Fprintf(w, "try:\n  . %s\n  %s cluster status\n  %s repo create --repo demo --description 'my first repo'\n", c.EnvFilePath(), exe, exe)
	fmt.Fprintf(w, "  aws --endpoint-url $S3 s3 ls\n\n")
	fmt.Fprintln(w, "press Ctrl-C to stop the cluster")
}

// superviseLocal waits for ctx and reports nodes that exit on their own.
func superviseLocal(ctx context.Context, w io.Writer, c *localcluster.Cluster) {
	reported := map[string]bool{}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for _, n := range c.Nodes {
				if !n.Running() && !reported[n.ID] {
					reported[n.ID] = true
					fmt.Fprintf(w, "node %s exited; see %s\n", n.ID, n.LogPath())
				}
			}
		}
	}
}
