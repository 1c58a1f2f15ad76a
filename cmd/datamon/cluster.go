package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// addClusterCmds adds status, members and remove-node under `cluster`
// (next to the lead's `cluster local`).
func (a *app) addClusterCmds(cluster *cobra.Command) {
	status := &cobra.Command{
		Use: "status", Short: "raft status of the node that answers", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			st, err := c.ClusterStatus(ctxOf(cmd))
			if err != nil {
				return err
			}
			return a.print(cmd, st)
		},
	}
	addFormatFlag(status, fmtStatus)

	members := &cobra.Command{
		Use: "members", Short: "cluster members as gossip sees them", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			ms, err := c.Members(ctxOf(cmd))
			if err != nil {
				return err
			}
			return a.printTable(cmd, ms, memberHeader, memberRow)
		},
	}
	addFormatFlag(members, fmtMember)

	var force bool
	remove := &cobra.Command{
		Use:   "remove-node ID",
		Short: "remove a node from the raft configuration and the layout (root key)",
		Long: `Removes a node from the Raft configuration and the data layout; its shards are
rebuilt on the other nodes. Removing a node that is down, or drained and empty, is always allowed. A live node
holding shards is refused (exit 3) while its removal could lose data: another node
down, chunks degraded or misplaced, or an earlier layout change still being
rebalanced (see 'cluster durability'). To retire a live node, 'cluster drain' it
first. --force skips the check.`,
		Args: exactArgs(1, "ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			rm := c.RemoveNode
			if force {
				rm = c.RemoveNodeForce
			}
			if err := rm(ctxOf(cmd), args[0]); err != nil {
				return explain(err, fmt.Sprintf("node %q", args[0]))
			}
			a.say("removed node %q", args[0])
			return nil
		},
	}
	remove.Flags().BoolVar(&force, "force", false, "remove even if that could lose data")
	cluster.AddCommand(status, members, remove)
}
