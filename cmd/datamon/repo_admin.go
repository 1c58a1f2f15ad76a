package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/s3backend"
	"github.com/spf13/cobra"
)

func (a *app) repoRenameCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rename NEW --repo OLD",
		Short: "rename a repo with its bundles, labels and grants, in one step (admin on both names)",
		Long: "Renames the repo OLD to NEW in one metadata command: the descriptor, every bundle (same IDs),\n" +
			"every label with its history and the access key grants on OLD move together. Refused if NEW\n" +
			"exists (exit 1) or while OLD has an open S3 draft or multipart upload (exit 3). The S3 bucket\n" +
			"names of the repo, its labels and bundles change with the name. Asks for confirmation on a\n" +
			"terminal; without one --force-yes is required (else exit 64).",
		Args: exactArgs(1, "NEW --repo OLD"),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := required(cmd, "repo")
			if err != nil {
				return err
			}
			old, to := v[0], args[0]
			if err := model.ValidateRepoName(to); err != nil {
				return usagef("repo rename: new name %q: %v", to, err)
			}
			if to == old {
				return usagef("repo rename: %q is already the repo's name", to)
			}
			s, err := a.resolve(cmd)
			if err != nil {
				return err
			}
			if err := a.confirmUnlessForced(cmd, fmt.Sprintf("Rename repo %q to %q in context %q (its S3 bucket names change)?",
				old, to, s.context)); err != nil {
				return err
			}
			c, s, err := a.client(cmd)
			if err != nil {
				return err
			}
			res, err := c.RenameRepo(ctxOf(cmd), s.context, old, to)
			if errors.Is(err, model.ErrExists) {
				return cliError{msg: fmt.Sprintf("repo %q already exists in context %q: nothing was renamed", to, s.context), err: err}
			}
			if err != nil {
				return explain(err, fmt.Sprintf("repo %q", old))
			}
			if a.output == "json" {
				return render(a.out, a.output, "", res)
			}
			a.say("renamed repo %q to %q in context %q: %s, %s, %s moved", old, to, s.context,
				plural(res.Bundles, "bundle"), plural(res.Labels, "label"), plural(res.KeyRefs, "access key grant"))
			a.say("S3 bucket names changed: s3://%s is now s3://%s (its label and bundle buckets change the same way)",
				s3backend.BucketName(s3backend.Ref{Context: s.context, Repo: old}),
				s3backend.BucketName(s3backend.Ref{Context: s.context, Repo: to}))
			return nil
		},
	}
	cmd.Flags().String("repo", "", "the repo's current name (required)")
	cmd.Flags().Bool("force-yes", false, "do not ask for confirmation")
	return cmd
}

func (a *app) repoDeleteFilesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "files --repo R (--file F | --files LIST)",
		Short: "remove paths from every bundle of a repo (admin; the one change made to committed bundles)",
		Long: "Rewrites the file list of every bundle of the repo that holds one of the paths, without them;\n" +
			"bundle IDs and labels stay. --file names one path inside the bundles (repeatable), --files a\n" +
			"file with one path per line (\"-\": stdin). Paths are normalised (\"./a//b\" is \"a/b\"); absolute\n" +
			"paths and \"..\" are refused. The removed files' data is only unreferenced: it stays on disk\n" +
			"until `datamon gc` deletes chunks that no bundle references. Asks for confirmation on a\n" +
			"terminal; without one --force-yes is required (else exit 64).",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := required(cmd, "repo")
			if err != nil {
				return err
			}
			paths, err := a.pathsToDelete(cmd)
			if err != nil {
				return err
			}
			s, err := a.resolve(cmd)
			if err != nil {
				return err
			}
			if err := a.confirmUnlessForced(cmd, fmt.Sprintf("Remove %s from every bundle of repo %q in context %q?",
				plural(len(paths), "path"), v[0], s.context)); err != nil {
				return err
			}
			c, s, err := a.client(cmd)
			if err != nil {
				return err
			}
			res, err := c.DeleteFiles(ctxOf(cmd), s.context, v[0], paths)
			if errors.Is(err, model.ErrPrecondition) {
				return cliError{msg: fmt.Sprintf("repo %q: a bundle was rewritten by someone else meanwhile; nothing was changed, run the command again (%v)", v[0], err), err: err}
			}
			if err != nil {
				return explain(err, fmt.Sprintf("repo %q", v[0]))
			}
			return a.printDeleteFiles(v[0], res)
		},
	}
	cmd.Flags().String("repo", "", "repo name (required)")
	cmd.Flags().StringArray("file", nil, "a path inside the bundles to remove (repeatable)")
	cmd.Flags().String("files", "", "a file listing the paths to remove, one per line (\"-\": stdin)")
	cmd.Flags().Bool("force-yes", false, "do not ask for confirmation")
	return cmd
}

// pathsToDelete reads --file / --files (exactly one of them) and
// normalises the paths; a bad path is a usage error.
func (a *app) pathsToDelete(cmd *cobra.Command) ([]string, error) {
	files, _ := cmd.Flags().GetStringArray("file")
	list, _ := cmd.Flags().GetString("files")
	switch {
	case len(files) == 0 && list == "":
		return nil, usagef("%s: one of --file or --files is required", cmd.CommandPath())
	case len(files) > 0 && list != "":
		return nil, usagef("%s: --file and --files are exclusive", cmd.CommandPath())
	case list != "":
		var r io.Reader = a.in
		if list != "-" {
			f, err := os.Open(list)
			if err != nil {
				return nil, usagef("--files: %v", err)
			}
			defer f.Close()
			r = f
		}
		ps, err := client.ParseFileList(r)
		if err != nil {
			return nil, usagef("--files %s: %v", list, err)
		}
		return ps, nil
	}
	seen := map[string]bool{}
	var out []string
	for _, f := range files {
		p, err := client.CleanPath(f)
		if err != nil {
			return nil, usagef("--file %q: %v", f, err)
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// printDeleteFiles prints one line per bundle and the total on stdout,
// the notes on stderr.
func (a *app) printDeleteFiles(repo string, res client.DeleteFilesResult) error {
	if a.output == "json" {
		return render(a.out, a.output, "", res)
	}
	changed := 0
	for _, b := range res.Bundles {
		fmt.Fprintf(a.out, "bundle %s: removed %s\n", b.ID, plural(len(b.Removed), "file"))
		if len(b.Removed) > 0 {
			changed++
		}
	}
	fmt.Fprintf(a.out, "removed %s from %d of %s in repo %q\n", plural(res.Removed, "file"), changed,
		plural(len(res.Bundles), "bundle"), repo)
	if len(res.Missing) > 0 {
		a.say("not in any bundle: %s", strings.Join(quoteAll(res.Missing), ", "))
	}
	if res.Removed > 0 {
		a.say("note: the removed files' data is not erased yet: it stays on disk until `datamon gc` deletes " +
			"the chunks no bundle references any more (chunks shared with files still in a bundle stay)")
	}
	return nil
}

// confirmUnlessForced asks question unless --force-yes; "n" is errDeclined.
func (a *app) confirmUnlessForced(cmd *cobra.Command, question string) error {
	if force, _ := cmd.Flags().GetBool("force-yes"); force {
		return nil
	}
	ok, err := a.confirm(question)
	if err != nil {
		return err
	}
	if !ok {
		return errDeclined
	}
	return nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}
