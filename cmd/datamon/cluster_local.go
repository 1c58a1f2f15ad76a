package main

import "github.com/spf13/cobra"

// newClusterLocalCmd is `datamon cluster local`. Owned by the lead (package localcluster).
func newClusterLocalCmd() *cobra.Command {
	return &cobra.Command{Use: "local", Short: "start a local multi-node cluster on loopback"}
}
