package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/datamon-io/datamon/csi"
	"github.com/spf13/cobra"
)

// newCSICmd is `datamon csi`: the Kubernetes CSI driver (package csi).
func newCSICmd() *cobra.Command {
	cfg := csi.DefaultConfig()
	var logLevel, logFormat string
	cmd := &cobra.Command{
		Use:   "csi",
		Short: "Run the Kubernetes CSI driver: bundles as pod volumes (docs/kubernetes.md)",
		Long: `Serve the CSI identity, controller and node services on --endpoint (a Unix socket).
A published volume is mounted by a detached "datamon bundle mount" process, so mounts
survive a restart or upgrade of the driver; --state-dir keeps the mount records,
the staging data of read-write volumes and the mount logs, and must outlive the driver.
Volume attributes: repo, label or bundle, context, readOnly, fromLabel, message.
Credentials: the node-publish secret's accessKey and secretKey (and optionally server).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Version = buildVersion().Version
			cfg.Logger = newLogger(logLevel, logFormat)
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			d, err := csi.New(ctx, cfg)
			if err != nil {
				return err
			}
			return d.Serve(ctx)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Endpoint, "endpoint", "unix:///csi/csi.sock", "Unix socket to serve (unix:///path)")
	f.StringVar(&cfg.NodeID, "node-id", "", "this node's ID: the Kubernetes node name (required)")
	f.StringVar(&cfg.Name, "driver-name", cfg.Name, "CSI driver name (the CSIDriver object's name)")
	f.StringVar(&cfg.StateDir, "state-dir", "/var/lib/datamon-csi", "mount records, staging data and mount logs (a hostPath)")
	f.StringVar(&cfg.Binary, "datamon-binary", "", "datamon executable the mounts run (default: this one)")
	f.StringVar(&cfg.Server, "cluster", "", "cluster API URL(s), comma separated, unless a volume's secret names one (key server)")
	f.StringVar(&cfg.CAFile, "cluster-ca-file", "", "CA certificate(s) the mounts verify the API with")
	f.DurationVar(&cfg.MountTimeout, "mount-timeout", cfg.MountTimeout, "bound of one publish (the mount becoming live)")
	f.DurationVar(&cfg.CommitTimeout, "commit-timeout", cfg.CommitTimeout, "bound of one unpublish (unmount and commit of a read-write volume); the kubelet retries")
	f.Int64Var(&cfg.MaxVolumesPerNode, "max-volumes-per-node", 0, "volumes this node accepts (0: no limit)")
	f.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	f.StringVar(&logFormat, "log-format", "text", "text or json")
	return cmd
}
