package main

import (
	"context"
	"fmt"

	"github.com/datamon-io/datamon/model"
	"github.com/spf13/cobra"
)

// Squash commands: `repo squash` and `context squash` (repo.go and
// context.go add them). The retention rule and its safety against
// concurrent uploads live in raftmeta (squash.go); here: flags, the dry run
// that feeds the confirmation, the squash bounded by the dry run's
// horizons, and the printing.

const (
	fmtSquashRepo = "{{if .DryRun}}dry run: bundles to delete: {{.Deleted}}, to keep: {{.Kept}}; labels to delete: {{.LabelsDeleted}}" +
		"{{else}}bundles deleted: {{.Deleted}}, kept: {{.Kept}}; labels deleted: {{.LabelsDeleted}}{{end}}"
	fmtSquashContext = "{{range .Repos}}repo {{.Repo}}: {{if $.DryRun}}bundles to delete: {{.Deleted}}, to keep: {{.Kept}}; " +
		"labels to delete: {{.LabelsDeleted}}{{else}}bundles deleted: {{.Deleted}}, kept: {{.Kept}}; labels deleted: {{.LabelsDeleted}}{{end}}\n{{end}}" +
		"context {{.Context}}: " + fmtSquashRepo
	squashLong = `Deletes past bundles from the metadata. Kept: the --retain-n-latest newest bundles (default 1),
the bundle the repo's head label points at, with --retain-tags every bundle a label points at, with
--retain-semver-tags every bundle a label named like a semantic version (v1.2.3, 1.2.3-rc.1) points at.
Labels pointing at a deleted bundle are deleted with it; kept bundles may name deleted parents.
Chunks are not deleted (datamon gc reclaims the unreferenced ones).

A dry run first shows what would be deleted; the squash then considers only bundles at or before the
newest one the dry run saw, so bundles uploaded meanwhile are kept (labels are read when the squash
applies). It is safe to run while others upload. Asks for confirmation on a terminal; without one --force-yes is required (else exit 64).`
)

// squashFlags adds the retention flags and returns a reader for them.
func squashFlags(cmd *cobra.Command) func() (model.SquashRequest, error) {
	f := cmd.Flags()
	f.Int("retain-n-latest", model.DefaultRetainLatest, "keep this many of the newest bundles (at least 1)")
	f.Bool("retain-tags", false, "keep every bundle a label points at")
	f.Bool("retain-semver-tags", false, "keep every bundle a label named like a semantic version (v1.2.3) points at")
	f.Bool("dry-run", false, "only show what would be deleted")
	f.Bool("force-yes", false, "do not ask for confirmation")
	return func() (model.SquashRequest, error) {
		var r model.SquashRequest
		r.RetainLatest, _ = f.GetInt("retain-n-latest")
		r.RetainTags, _ = f.GetBool("retain-tags")
		r.RetainSemverTags, _ = f.GetBool("retain-semver-tags")
		r.DryRun, _ = f.GetBool("dry-run")
		if r.RetainLatest < 1 {
			return r, usagef("--retain-n-latest must be at least 1, not %d", r.RetainLatest)
		}
		return r, nil
	}
}

// squashFunc is one client squash call (repo or context).
type squashFunc func(ctx context.Context, req model.SquashRequest) (model.SquashResult, error)

// runSquash makes the dry run, asks (unless --force-yes or nothing would be
// deleted), then squashes with the dry run's horizons and prints the result.
func (a *app) runSquash(cmd *cobra.Command, req model.SquashRequest, what string, do squashFunc) (model.SquashResult, error) {
	force, _ := cmd.Flags().GetBool("force-yes")
	if !req.DryRun && !force && !a.stdinTerminal() {
		return model.SquashResult{}, usagef("stdin is not a terminal: pass --force-yes to confirm")
	}
	dry := req
	dry.DryRun = true
	plan, err := do(ctxOf(cmd), dry)
	if err != nil || req.DryRun {
		return plan, err
	}
	if !force && plan.Deleted > 0 {
		ok, err := a.confirm(fmt.Sprintf("Squash %s: delete %d of %d bundles (and %d labels), keep %d?",
			what, plan.Deleted, plan.Deleted+plan.Kept, plan.LabelsDeleted, plan.Kept))
		if err != nil {
			return plan, err
		}
		if !ok {
			return plan, errDeclined
		}
	}
	req.Horizons = plan.Horizons()
	return do(ctxOf(cmd), req)
}

func (a *app) repoSquashCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "squash",
		Short: "delete a repo's past bundles from the metadata, keeping the latest and retained ones (admin)",
		Long:  squashLong,
		Args:  noArgs,
	}
	flags := squashFlags(cmd)
	cmd.Flags().String("repo", "", "repo name (required)")
	addFormatFlag(cmd, fmtSquashRepo)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		v, err := required(cmd, "repo")
		if err != nil {
			return err
		}
		req, err := flags()
		if err != nil {
			return err
		}
		c, s, err := a.client(cmd)
		if err != nil {
			return err
		}
		res, err := a.runSquash(cmd, req, fmt.Sprintf("repo %q in context %q", v[0], s.context),
			func(ctx context.Context, r model.SquashRequest) (model.SquashResult, error) {
				return c.SquashRepo(ctx, s.context, v[0], r)
			})
		if err != nil {
			return explain(err, fmt.Sprintf("repo %q", v[0]))
		}
		return a.print(cmd, res)
	}
	return cmd
}

func (a *app) contextSquashCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "squash",
		Short: "squash every repo of the context (admin on the context)",
		Long:  squashLong,
		Args:  noArgs,
	}
	flags := squashFlags(cmd)
	addFormatFlag(cmd, fmtSquashContext)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		name, err := a.explicitContext(cmd)
		if err != nil {
			return err
		}
		req, err := flags()
		if err != nil {
			return err
		}
		c, _, err := a.client(cmd)
		if err != nil {
			return err
		}
		res, err := a.runSquash(cmd, req, fmt.Sprintf("every repo of context %q", name),
			func(ctx context.Context, r model.SquashRequest) (model.SquashResult, error) {
				return c.SquashContext(ctx, name, r)
			})
		if err != nil {
			return explain(err, fmt.Sprintf("context %q", name))
		}
		return a.print(cmd, res)
	}
	return cmd
}
