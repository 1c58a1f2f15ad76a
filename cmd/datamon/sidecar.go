package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/datamon-io/datamon/sidecar"
	"github.com/spf13/cobra"
)

// newSidecarCmd is `datamon sidecar` (package sidecar): inputs mounted,
// the application run or waited for, outputs committed, every step bounded.
func newSidecarCmd() *cobra.Command {
	cfg := sidecar.DefaultConfig()
	var inputs, outputs []string
	var logLevel string
	cmd := &cobra.Command{
		Use:   "sidecar [flags] [-- COMMAND ARGS...]",
		Short: "Mount inputs, run (or wait for) an application, commit outputs; every failure ends in bounded time",
		Long: `For pods that cannot use the CSI driver. Inputs (--input REPO:LABEL:DIR or REPO@BUNDLE:DIR)
are mounted read-only; then COMMAND runs, or, with --wait-for FILE, the sidecar waits for an
application in another container to write its exit code into FILE; then each output directory
(--output REPO:LABEL:DIR) is uploaded as a bundle on its label. --status-file is rewritten at
every step (state running, ready, succeeded or failed; phase; reason; exit code).
Exit codes: 0 ok, 10 input missing, 11 mount failed, 12 application failed, 13 application
timed out, 14 commit failed (data kept), 15 cluster unreachable, 64 usage.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, s := range inputs {
				sp, err := sidecar.ParseSpec(s, false)
				if err != nil {
					return usagef("--input: %v", err)
				}
				cfg.Inputs = append(cfg.Inputs, sp)
			}
			for _, s := range outputs {
				sp, err := sidecar.ParseSpec(s, true)
				if err != nil {
					return usagef("--output: %v", err)
				}
				cfg.Outputs = append(cfg.Outputs, sp)
			}
			cfg.Command = args
			if c, _ := cmd.Flags().GetString("context"); c != "" {
				cfg.Context = c
			}
			cfg.Logger = newLogger(logLevel, "text")
			if err := cfg.Validate(); err != nil {
				return usagef("%v", err)
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if code := sidecar.Run(ctx, cfg); code != 0 {
				return exitStatus{code: code}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&inputs, "input", nil, "input bundle mounted read-only: REPO:LABEL:DIR or REPO@BUNDLE:DIR (repeatable)")
	f.StringArrayVar(&outputs, "output", nil, "output directory committed as a bundle on LABEL: REPO:LABEL:DIR (repeatable)")
	f.StringVar(&cfg.StatusFile, "status-file", "", "status file, rewritten at every step (required; put it in a directory the application shares)")
	f.StringVar(&cfg.DoneFile, "wait-for", "", "instead of running COMMAND, wait for the application to write its exit code into this file")
	f.StringVar(&cfg.Message, "message", cfg.Message, "message of the output bundles")
	f.DurationVar(&cfg.ConnectTimeout, "connect-timeout", cfg.ConnectTimeout, "bound for the cluster to answer")
	f.DurationVar(&cfg.MountTimeout, "mount-timeout", cfg.MountTimeout, "bound for each input mount")
	f.DurationVar(&cfg.AppTimeout, "app-timeout", cfg.AppTimeout, "bound for the application")
	f.DurationVar(&cfg.CommitTimeout, "commit-timeout", cfg.CommitTimeout, "bound for each output upload")
	f.StringVar(&cfg.Binary, "datamon-binary", "", "datamon executable for mounts and uploads (default: this one)")
	f.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	return cmd
}
