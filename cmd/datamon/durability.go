package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/datamon-io/datamon/client"
)

// Durability commands (issue 7). root.go adds them with:
//
//	cluster.AddCommand(newClusterDurabilityCmds(a)...)
//	root.AddCommand(newGCCmd(a))

const (
	fmtFsck = "layout: {{.LayoutVersion}} ({{.Policy}})\nbundles: {{.Bundles}}\nchunks: {{.Chunks}}\n" +
		"healthy: {{.Healthy}}\n" +
		"{{if .Waiting}}whole, on non-owners, waiting for {{if gt (len .WaitingFor) 1}}nodes{{else}}node{{end}} {{join .WaitingFor}} (down): {{.Waiting}}\n{{end}}" +
		"degraded: {{.Degraded}} (at risk, < k+1 shards: {{.AtRisk}})\nmisplaced: {{.Misplaced}}\nlost: {{.Lost}}" +
		"{{range .LostChunks}}\nlost chunk {{.ID}} ({{.Shards}} shards) in {{join .Bundles}}{{end}}" +
		"{{range .Unreadable}}\nunreadable: {{.}}{{end}}"
	fmtGC = "{{if .DryRun}}reclaimable{{else}}reclaimed{{end}}: {{.Chunks}} chunks, {{.Shards}} shards, {{.Bytes}} bytes" +
		" (grace {{.Grace}}; {{.Protected}} young shards kept; {{.Marked}} chunks referenced by {{.Bundles}} bundles)" +
		"{{range .Nodes}}{{if .Error}}\nnode {{.ID}}: {{.Error}}{{end}}{{end}}"
	fmtDurability = "layout: {{.LayoutVersion}} ({{.Policy}}) versions {{.LayoutVersions}} rebalance_done: {{.RebalanceDone}}\n" +
		"degraded_chunks: {{.DegradedChunks}} misplaced_shards: {{.Misplaced}} repair_rate: {{bytes .RepairRate}}/s" +
		"{{range .Nodes}}\n{{.ID}} site={{.Site}} health={{.Health}} capacity={{bytes .Capacity}} used={{bytes .UsedBytes}} shards={{.Shards}}" +
		" repair[{{if .Repair.Running}}running {{.Repair.Scanned}}/{{.Repair.Total}} eta={{printf \"%.0f\" .Repair.ETASeconds}}s{{else}}idle{{end}}" +
		" passes={{.Repair.Passes}} rebuilt={{.Repair.RebuiltShards}} degraded={{.Repair.DegradedChunks}}]" +
		" rebalance[moved={{.Rebalance.MovedShards}} misplaced={{.Rebalance.Misplaced}} done_v={{.Rebalance.DoneVersion}}]" +
		" scrub[{{if .Scrub.Running}}running {{.Scrub.Scanned}}/{{.Scrub.Total}}{{else}}idle{{end}} passes={{.Scrub.Passes}}" +
		" corrupt={{.Scrub.CorruptFound}} repaired={{.Scrub.Repaired}}]" +
		" damage[files={{.Damage.CorruptFiles}} shards={{.Damage.DamagedShards}} relocated={{.Damage.Relocated}}" +
		" rebuilt={{.Damage.Rebuilt}} quarantined={{.Damage.Quarantined}}]{{end}}"
)

// newClusterDurabilityCmds: fsck, drain, undrain, repair-rate and durability (status).
func newClusterDurabilityCmds(a *app) []*cobra.Command {
	var repo string
	var verify bool
	fsck := &cobra.Command{
		Use:   "fsck",
		Short: "check that every chunk of every live bundle has all k+m shards in place (root key); exit 1 if any is lost",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, s, err := a.client(cmd)
			if err != nil {
				return err
			}
			opts := client.FsckOptions{Verify: verify}
			if repo != "" || cmd.Flags().Changed("context") {
				opts.Context, opts.Repo = s.context, repo
			}
			rep, ok, err := c.Fsck(ctxOf(cmd), opts)
			if err != nil {
				return err
			}
			if err := a.print(cmd, rep); err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("fsck: %d chunks lost, %d manifests unreadable", rep.Lost, len(rep.Unreadable))
			}
			return nil
		},
	}
	fsck.Flags().StringVar(&repo, "repo", "", "check only this repo (of --context)")
	fsck.Flags().BoolVar(&verify, "verify", false, "read and checksum every shard instead of trusting the indexes")
	addFormatFlag(fsck, fmtFsck)

	var force bool
	drain := &cobra.Command{
		Use:   "drain NODE",
		Short: "move every shard off a node (capacity 0 in a new layout version; root key)",
		Long: `Moves every shard off a node: it gets capacity 0 in a new layout version and
the other nodes copy its shards before it deletes them. A drain that would leave
chunks below k+1 placed shards (fewer than k+1 live nodes still taking shards,
e.g. draining one of three nodes under 2+1) is refused with exit 3: one more
node loss could lose data. Add a node first. --force drains
anyway.`,
		Args: exactArgs(1, "NODE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			if force {
				a.say("warning: --force skips the drain safety check; if fewer than k+1 live nodes keep taking shards, " +
					"chunks sit on fewer than k+1 nodes and one more node loss can lose data")
			}
			if err := c.DrainNode(ctxOf(cmd), args[0], force); err != nil {
				return explain(err, fmt.Sprintf("node %q", args[0]))
			}
			a.say("draining node %q; `datamon cluster durability` shows progress", args[0])
			return nil
		},
	}

	drain.Flags().BoolVar(&force, "force", false, "drain even if chunks would be left below k+1 placed shards")

	undrain := &cobra.Command{
		Use:   "undrain NODE",
		Short: "give a drained node back the capacity it advertises (new layout version; root key)",
		Long: `Undo a drain: the node gets back the capacity it advertises by gossip (its
--capacity, or its disk size), new chunks are placed on it again and rebalancing
moves some shards back. The node must be up and drained.`,
		Args: exactArgs(1, "NODE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			capacity, err := c.Undrain(ctxOf(cmd), args[0])
			if err != nil {
				return explain(err, fmt.Sprintf("node %q", args[0]))
			}
			a.say("node %q takes shards again (capacity %d); `datamon cluster durability` shows the rebalance", args[0], capacity)
			return nil
		},
	}

	rate := &cobra.Command{
		Use:   "repair-rate BYTES_PER_SEC",
		Short: "set the cluster-wide repair/rebalance pace per node (0: default; root key)",
		Args:  exactArgs(1, "BYTES_PER_SEC"),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil {
				return usagef("repair-rate: %q is not a number of bytes per second", args[0])
			}
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			if err := c.SetRepairRate(ctxOf(cmd), v); err != nil {
				return err
			}
			a.say("repair rate set to %d bytes/s", v)
			return nil
		},
	}

	status := &cobra.Command{
		Use:   "durability",
		Short: "per-node capacity, usage, shards, health and repair / rebalance / scrub progress",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			st, err := c.Durability(ctxOf(cmd))
			if err != nil {
				return err
			}
			return a.print(cmd, st)
		},
	}
	addFormatFlag(status, fmtDurability)
	return []*cobra.Command{fsck, drain, undrain, rate, status}
}

// newGCCmd is `datamon gc [--dry-run] [--grace DURATION]`.
func newGCCmd(a *app) *cobra.Command {
	var dry bool
	var grace time.Duration
	cmd := &cobra.Command{
		Use:   "gc",
		Short: "delete chunks no live bundle references (mark and sweep; root key)",
		Long: "Mark every chunk referenced by every bundle of every repo, then delete on every node the shards\n" +
			"of unreferenced chunks written longer ago than --grace (uploads in flight are protected).",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			g := ""
			if cmd.Flags().Changed("grace") {
				if grace < 0 {
					return usagef("--grace must not be negative")
				}
				g = grace.String()
			}
			rep, err := c.GC(ctxOf(cmd), dry, g)
			if err != nil {
				return err
			}
			return a.print(cmd, rep)
		},
	}
	cmd.Flags().BoolVar(&dry, "dry-run", false, "only report what would be reclaimed")
	cmd.Flags().DurationVar(&grace, "grace", time.Hour, "keep unreferenced chunks written more recently than this")
	addFormatFlag(cmd, fmtGC)
	return cmd
}
