package main

import (
	"fmt"

	"github.com/datamon-io/datamon/model"
	"github.com/spf13/cobra"
)

// bundleCmd holds the metadata-only bundle commands; upload, download and
// mount come with the bundle issue.
func (a *app) bundleCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "bundle", Short: "inspect bundles (immutable snapshots of a repo)"}
	get := &cobra.Command{
		Use:   "get",
		Short: "show a bundle: --bundle ID, --label L, or the latest (exit 2 if none), with its S3 bucket names",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := required(cmd, "repo")
			if err != nil {
				return err
			}
			id, _ := cmd.Flags().GetString("bundle")
			label, _ := cmd.Flags().GetString("label")
			if id != "" && label != "" {
				return usagef("--bundle and --label are exclusive")
			}
			c, s, err := a.client(cmd)
			if err != nil {
				return err
			}
			ctx := ctxOf(cmd)
			var b model.Bundle
			switch {
			case label != "":
				l, err := c.GetLabel(ctx, s.context, v[0], label)
				if err != nil {
					return explain(err, fmt.Sprintf("label %q of repo %q", label, v[0]))
				}
				id = l.BundleID
				fallthrough
			case id != "":
				b, err = c.GetBundle(ctx, s.context, v[0], id)
				if err != nil {
					return explain(err, fmt.Sprintf("bundle %q of repo %q", id, v[0]))
				}
			default:
				b, err = c.LatestBundle(ctx, s.context, v[0])
				if err != nil {
					return explain(err, fmt.Sprintf("latest bundle of repo %q", v[0]))
				}
			}
			return a.print(cmd, bundleWithS3{Bundle: b, S3Buckets: bundleBuckets(b)})
		},
	}
	get.Flags().String("repo", "", "repo name (required)")
	get.Flags().String("bundle", "", "bundle ID")
	get.Flags().String("label", "", "label naming the bundle")
	addFormatFlag(get, fmtBundleGet)

	list := &cobra.Command{
		Use: "list", Short: "list a repo's bundles in commit order", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := required(cmd, "repo")
			if err != nil {
				return err
			}
			c, s, err := a.client(cmd)
			if err != nil {
				return err
			}
			bs, err := c.ListBundles(ctxOf(cmd), s.context, v[0])
			if err != nil {
				return explain(err, fmt.Sprintf("repo %q", v[0]))
			}
			return a.print(cmd, bs)
		},
	}
	list.Flags().String("repo", "", "repo name (required)")
	addFormatFlag(list, fmtBundle)
	cmd.AddCommand(get, list)
	a.addBundleDataCmds(cmd)
	cmd.AddCommand(newBundleCommitCmd(a), newBundleDiscardCmd(a), newBundleMountCmd(a))
	return cmd
}
