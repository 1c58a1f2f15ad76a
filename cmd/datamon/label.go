package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/model"
	"github.com/spf13/cobra"
)

func (a *app) labelCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "label", Short: "set, get and list labels (movable names of bundles)"}
	cmd.AddCommand(a.labelSetCmd(), a.labelGetCmd(), a.labelListCmd())
	return cmd
}

func (a *app) labelSetCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "set",
		Short: "point a label at a bundle (write)",
		Long: "Moves (or creates) a label. --if-match BUNDLE moves it only if it points at BUNDLE;\n" +
			"--if-not-exists creates it only if it does not exist. A failed condition exits 3.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := required(cmd, "repo", "label", "bundle")
			if err != nil {
				return err
			}
			if err := model.ValidateLabelName(v[1]); err != nil {
				return usagef("--label: %v", err)
			}
			var opt client.LabelOptions
			opt.IfMatch, _ = cmd.Flags().GetString("if-match")
			opt.IfNotExists, _ = cmd.Flags().GetBool("if-not-exists")
			if opt.IfMatch != "" && opt.IfNotExists {
				return usagef("--if-match and --if-not-exists are exclusive")
			}
			c, s, err := a.client(cmd)
			if err != nil {
				return err
			}
			l, err := c.SetLabel(ctxOf(cmd), s.context, v[0], v[1], v[2], opt)
			if err != nil {
				return explain(err, labelSetSubject(err, v[0], v[1], v[2]))
			}
			a.say("label %q now points at bundle %s", l.Name, l.BundleID)
			return nil
		},
	}
	cmd.Flags().String("repo", "", "repo name (required)")
	cmd.Flags().String("label", "", "label name (required)")
	cmd.Flags().String("bundle", "", "bundle ID (required)")
	cmd.Flags().String("if-match", "", "only move the label if it currently points at this bundle ID")
	cmd.Flags().Bool("if-not-exists", false, "only create the label; fail if it exists")
	return cmd
}

// labelVersions is a label with its history (--with-versions).
type labelVersions struct {
	model.Label
	Versions  []model.LabelMove `json:"versions"`
	S3Buckets []string          `json:"s3_buckets,omitempty"` // label get only
}

func (a *app) labelGetCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use: "get", Short: "show a label and its S3 bucket names (exit 2 if it does not exist)", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := required(cmd, "repo", "label")
			if err != nil {
				return err
			}
			c, s, err := a.client(cmd)
			if err != nil {
				return err
			}
			what := fmt.Sprintf("label %q of repo %q", v[1], v[0])
			l, err := c.GetLabel(ctxOf(cmd), s.context, v[0], v[1])
			if err != nil {
				return explain(err, what)
			}
			if vers, _ := cmd.Flags().GetBool("with-versions"); !vers {
				return a.print(cmd, labelWithS3{Label: l, S3Buckets: labelBuckets(l)})
			}
			h, err := c.LabelHistory(ctxOf(cmd), s.context, v[0], v[1])
			if err != nil {
				return explain(err, what)
			}
			useVersionFormat(cmd)
			return a.print(cmd, labelVersions{Label: l, Versions: h, S3Buckets: labelBuckets(l)})
		},
	}
	cmd.Flags().String("repo", "", "repo name (required)")
	cmd.Flags().String("label", "", "label name (required)")
	cmd.Flags().Bool("with-versions", false, "also list the bundles the label pointed at, oldest first")
	addFormatFlag(cmd, fmtLabelGet)
	return cmd
}

func (a *app) labelListCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use: "list", Short: "list a repo's labels", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := required(cmd, "repo")
			if err != nil {
				return err
			}
			prefix, _ := cmd.Flags().GetString("prefix")
			c, s, err := a.client(cmd)
			if err != nil {
				return err
			}
			ls, err := c.ListLabels(ctxOf(cmd), s.context, v[0], prefix)
			if err != nil {
				return explain(err, fmt.Sprintf("repo %q", v[0]))
			}
			if vers, _ := cmd.Flags().GetBool("with-versions"); !vers {
				return a.print(cmd, ls)
			}
			out := make([]labelVersions, 0, len(ls))
			for _, l := range ls {
				h, err := c.LabelHistory(ctxOf(cmd), s.context, v[0], l.Name)
				if err != nil {
					return explain(err, fmt.Sprintf("label %q of repo %q", l.Name, v[0]))
				}
				out = append(out, labelVersions{Label: l, Versions: h})
			}
			useVersionFormat(cmd)
			return a.print(cmd, out)
		},
	}
	cmd.Flags().String("repo", "", "repo name (required)")
	cmd.Flags().String("prefix", "", "only labels whose names start with this")
	cmd.Flags().Bool("with-versions", false, "also list each label's past bundles")
	addFormatFlag(cmd, fmtLabel)
	return cmd
}

// useVersionFormat switches the default --format to one that shows versions.
func useVersionFormat(cmd *cobra.Command) {
	if !cmd.Flags().Changed("format") {
		_ = cmd.Flags().Set("format", fmtLabelVers)
	}
}

// labelSetSubject names what a failed label set was about: the bundle when
// the server says the bundle does not exist, the repo when the repo does not,
// else the label.
func labelSetSubject(err error, repo, label, bundle string) string {
	if errors.Is(err, model.ErrNotFound) {
		msg := err.Error()
		switch {
		case strings.Contains(msg, fmt.Sprintf("bundle %q", bundle)):
			return fmt.Sprintf("bundle %q in repo %q", bundle, repo)
		case strings.Contains(msg, "repo"):
			return fmt.Sprintf("repo %q", repo)
		}
	}
	return fmt.Sprintf("label %q of repo %q", label, repo)
}
