package main

import (
	"fmt"
	"time"

	"github.com/datamon-io/datamon/lfsbundle"
	"github.com/spf13/cobra"
)

// `datamon lfs snapshot|gc`: flags and printing; the logic is lfsbundle's.

const lfsGCLong = `Reports the Git LFS objects of a repo that nothing keeps, and with --delete removes them.
An object is kept when a bundle of the repo lists it (every 'lfs snapshot' bundle does), when it is
reachable from any ref of --git-dir (its whole history), or when it was uploaded less than --grace
ago. Deleting removes the OID -> chunk mapping only; 'datamon gc' later frees chunks that no bundle
and no remaining LFS object references, so data a bundle references is never deleted.`

func (a *app) lfsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "lfs", Short: "Git LFS objects of a repo: snapshot a git ref as a bundle, collect garbage"}
	cmd.AddCommand(a.lfsSnapshotCmd(), a.lfsGCCmd())
	return cmd
}

func (a *app) lfsSnapshotCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "snapshot",
		Short: "commit a bundle of the LFS files a git ref points at (no data copied)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := required(cmd, "repo", "ref", "git-dir")
			if err != nil {
				return err
			}
			c, s, err := a.client(cmd)
			if err != nil {
				return err
			}
			label, _ := cmd.Flags().GetString("label")
			msg, _ := cmd.Flags().GetString("message")
			res, err := lfsbundle.Snapshot(ctxOf(cmd), c, lfsbundle.SnapshotOptions{Context: s.context, Repo: v[0],
				Ref: v[1], GitDir: v[2], Label: label, Message: msg, Contributor: s.file.Contributor()})
			if err != nil {
				return explain(err, fmt.Sprintf("repo %q in context %q", v[0], s.context))
			}
			a.say("bundle %s: %d LFS files, %d bytes of %s (commit %s)", res.Bundle.ID, res.Files, res.Bytes, v[1], res.Commit)
			return a.print(cmd, res) // --format (default: the bundle ID) or --output json
		},
	}
	f := cmd.Flags()
	f.String("repo", "", "repo name (required)")
	f.String("ref", "", "git ref to snapshot: branch, tag or commit (required)")
	f.String("git-dir", "", "the git repository (a work tree or a bare repository) (required)")
	f.String("label", "", "label to move to the new bundle")
	f.String("message", "", "bundle message (default: lfs snapshot <ref> <commit>)")
	addFormatFlag(cmd, "{{.Bundle.ID}}")
	return cmd
}

func (a *app) lfsGCCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use: "gc", Short: "report (or --delete) LFS objects no snapshot, git ref or grace period keeps", Long: lfsGCLong,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := required(cmd, "repo")
			if err != nil {
				return err
			}
			c, s, err := a.client(cmd)
			if err != nil {
				return err
			}
			f := cmd.Flags()
			gitDir, _ := f.GetString("git-dir")
			grace, _ := f.GetDuration("grace")
			del, _ := f.GetBool("delete")
			if grace < 0 {
				return usagef("--grace must not be negative")
			}
			rep, err := lfsbundle.GC(ctxOf(cmd), c, lfsbundle.GCOptions{Context: s.context, Repo: v[0],
				GitDir: gitDir, Grace: grace, Delete: del})
			if err != nil {
				return explain(err, fmt.Sprintf("repo %q in context %q", v[0], s.context))
			}
			verb := "garbage (dry run; --delete removes it)"
			if del {
				verb = fmt.Sprintf("garbage, %d deleted", rep.Deleted)
			}
			a.say("%d LFS objects: %d kept by snapshots, %d by git refs, %d by the grace period; %d (%d bytes) %s",
				rep.Objects, rep.KeptSnapshot, rep.KeptGit, rep.KeptGrace, len(rep.Garbage), rep.GarbageBytes, verb)
			return a.print(cmd, rep)
		},
	}
	f := cmd.Flags()
	f.String("repo", "", "repo name (required)")
	f.String("git-dir", "", "also keep every object reachable from the refs of this git repository")
	f.Duration("grace", 24*time.Hour, "keep objects uploaded less than this long ago")
	f.Bool("delete", false, "delete the garbage (default: report only)")
	addFormatFlag(cmd, "{{range .Garbage}}{{.}}\n{{end}}")
	return cmd
}
