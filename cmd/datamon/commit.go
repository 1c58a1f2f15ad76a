package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// newBundleCommitCmd is `datamon bundle commit`: turn the repo's S3 draft
// (objects written through the S3 gateway) into a bundle on a label.
func newBundleCommitCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "commit",
		Short: "commit the repo's S3 draft as a bundle and move the label to it",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := required(cmd, "repo", "message")
			if err != nil {
				return err
			}
			label, _ := cmd.Flags().GetString("label")
			c, s, err := a.client(cmd)
			if err != nil {
				return err
			}
			b, err := c.CommitDraft(ctxOf(cmd), s.context, v[0], label, v[1])
			if err != nil {
				return explain(err, fmt.Sprintf("draft of repo %q", v[0]))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Uploaded bundle id:%s\n", b.ID)
			return nil
		},
	}
	cmd.Flags().String("repo", "", "repo name (required)")
	cmd.Flags().String("label", "", "label to move to the new bundle (default: the repo's head label)")
	cmd.Flags().StringP("message", "m", "", "commit message (required)")
	return cmd
}

// newBundleDiscardCmd is `datamon bundle discard`: drop the repo's S3 draft.
func newBundleDiscardCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "discard",
		Short: "drop the repo's S3 draft (uncommitted S3 writes)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := required(cmd, "repo")
			if err != nil {
				return err
			}
			c, s, err := a.client(cmd)
			if err != nil {
				return err
			}
			if err := c.DiscardDraft(ctxOf(cmd), s.context, v[0]); err != nil {
				return explain(err, fmt.Sprintf("draft of repo %q", v[0]))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Discarded the draft of repo %s\n", v[0])
			return nil
		},
	}
	cmd.Flags().String("repo", "", "repo name (required)")
	return cmd
}
