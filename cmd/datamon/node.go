package main

import "github.com/spf13/cobra"

// newNodeCmd is `datamon node`: runs a server. Owned by the lead (wires package node).
func newNodeCmd() *cobra.Command {
	return &cobra.Command{Use: "node", Short: "run a datamon storage/metadata node"}
}
