package main

import (
	"fmt"
	"time"

	"github.com/datamon-io/datamon/transfer"
	"github.com/spf13/cobra"
)

func (a *app) bundleDiffCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "diff",
		Short: "compare a local directory with a bundle (A/D/U lines)",
		Long: "Datamon's semantics, the local tree being the existing side: A = in the bundle, not local;\n" +
			"D = local, not in the bundle; U = in both but different type, permission bits, symlink target\n" +
			"or content (compared by content hash, computed locally; mtimes are ignored). Reserved paths\n" +
			"(.datamon, ...) are ignored. Line: type , name , local size , local hash , bundle size , bundle hash\n" +
			"(the local hash is computed only when sizes are equal). Exit 0 whether or not they differ.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := required(cmd, "repo", "destination")
			if err != nil {
				return err
			}
			format, _ := cmd.Flags().GetString("format")
			cfg, _, err := a.transferConfig(cmd, "diff")
			if err != nil {
				return err
			}
			cfg.Progress = nil
			line, err := lineWriter(a.out, format)
			if err != nil && a.output != "json" {
				return err
			}
			c, s, err := a.client(cmd)
			if err != nil {
				return err
			}
			b, err := a.pickBundle(cmd, c, s.context, v[0])
			if err != nil {
				return err
			}
			var all []transfer.DiffEntry
			err = transfer.DiffFunc(ctxOf(cmd), c, cfg, b, v[1], func(d transfer.DiffEntry) error {
				if a.output == "json" {
					all = append(all, d)
					return nil
				}
				return line(d)
			})
			if err != nil {
				return explain(err, fmt.Sprintf("diff with bundle %s", b.ID))
			}
			if a.output == "json" {
				return a.print(cmd, all)
			}
			return nil
		},
	}
	addBundleFlags(cmd)
	cmd.Flags().String("destination", "", "local directory to compare (required)")
	addFormatFlag(cmd, fmtDiff)
	return cmd
}

func (a *app) bundleUpdateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "update",
		Short: "make a local directory equal to a bundle (download A/U, delete D)",
		Long: "Applies `bundle diff`: downloads added and changed entries, deletes local paths the bundle\n" +
			"lacks (reserved paths are kept), and records the bundle in .datamon/<ID>.json.\n" +
			"Prints `Using bundle: <ID>`; a summary goes to stderr.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := required(cmd, "repo", "destination")
			if err != nil {
				return err
			}
			cfg, bar, err := a.transferConfig(cmd, "update")
			if err != nil {
				return err
			}
			c, s, err := a.client(cmd)
			if err != nil {
				return err
			}
			b, err := a.pickBundle(cmd, c, s.context, v[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Using bundle: %s\n", b.ID)
			us, err := transfer.Update(ctxOf(cmd), c, cfg, b, v[1])
			bar.finish()
			if err != nil {
				return explain(err, fmt.Sprintf("update to bundle %s", b.ID))
			}
			a.say("%d added, %d updated, %d deleted, %s downloaded", us.Added, us.Updated, us.Deleted, humanBytes(us.Bytes))
			return nil
		},
	}
	addBundleFlags(cmd)
	cmd.Flags().String("destination", "", "local directory to update (required)")
	addConcurrencyFlag(cmd)
	return cmd
}

func mtimeString(ns int64) string { return time.Unix(0, ns).UTC().Format(time.RFC3339Nano) }
