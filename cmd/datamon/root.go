package main

import "github.com/spf13/cobra"

// newRootCmd builds the command tree. (Placeholder until the CLI lands.)
func newRootCmd() *cobra.Command {
	root := &cobra.Command{Use: "datamon", SilenceUsage: true, SilenceErrors: true}
	cluster := &cobra.Command{Use: "cluster", Short: "cluster operations"}
	cluster.AddCommand(newClusterLocalCmd())
	root.AddCommand(newNodeCmd(), cluster)
	return root
}

func exitCode(err error) int { return 1 }
