package main

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/datamon-io/datamon/model"
	"github.com/spf13/cobra"
)

func (a *app) repoCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "repo", Short: "create, list, get, rename, delete and squash repos"}
	cmd.AddCommand(a.repoCreateCmd(), a.repoListCmd(), a.repoGetCmd(), a.repoDeleteCmd(), a.repoRenameCmd(), a.repoSquashCmd())
	return cmd
}

// required returns the string flags, or a usage error naming the missing ones.
func required(cmd *cobra.Command, names ...string) ([]string, error) {
	vals := make([]string, len(names))
	var missing []string
	for i, n := range names {
		vals[i], _ = cmd.Flags().GetString(n)
		if vals[i] == "" {
			missing = append(missing, "--"+n)
		}
	}
	if len(missing) > 0 {
		return nil, usagef("%s: missing required flag(s) %s", cmd.CommandPath(), strings.Join(missing, ", "))
	}
	return vals, nil
}

func (a *app) repoCreateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use: "create", Short: "create a repo (admin on the repo or its context)", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := required(cmd, "repo", "description")
			if err != nil {
				return err
			}
			c, s, err := a.client(cmd)
			if err != nil {
				return err
			}
			head, _ := cmd.Flags().GetString("head-label")
			if err := model.ValidateLabelName(head); err != nil {
				return usagef("--head-label: %v", err)
			}
			r, err := c.CreateRepo(ctxOf(cmd), model.Repo{Context: s.context, Name: v[0], Description: v[1],
				Contributor: s.file.Contributor(), HeadLabel: head})
			if err != nil {
				return explain(err, fmt.Sprintf("repo %q in context %q", v[0], s.context))
			}
			a.say("created repo %q in context %q (head label %q)", r.Name, r.Context, r.Head())
			return nil
		},
	}
	cmd.Flags().String("repo", "", "repo name (required)")
	cmd.Flags().String("description", "", "repo description (required)")
	cmd.Flags().String("head-label", model.DefaultHeadLabel,
		"the repo's head label: moved by `bundle upload` by default, read and committed by its S3 bucket")
	return cmd
}

func (a *app) repoListCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use: "list", Short: "list the repos of the context", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, s, err := a.client(cmd)
			if err != nil {
				return err
			}
			rs, err := c.ListRepos(ctxOf(cmd), s.context)
			if err != nil {
				return explain(err, fmt.Sprintf("context %q", s.context))
			}
			if ws, _ := cmd.Flags().GetBool("with-size"); ws {
				return a.printReposWithSize(cmd, c, s.context, rs)
			}
			return a.print(cmd, rs)
		},
	}
	cmd.Flags().Bool("with-size", false, withSizeHelp)
	addFormatFlag(cmd, fmtRepo)
	return cmd
}

func (a *app) repoGetCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use: "get", Short: "show one repo (exit 2 if it does not exist)", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := required(cmd, "repo")
			if err != nil {
				return err
			}
			c, s, err := a.client(cmd)
			if err != nil {
				return err
			}
			r, err := c.GetRepo(ctxOf(cmd), s.context, v[0])
			if err != nil {
				return explain(err, fmt.Sprintf("repo %q", v[0]))
			}
			if ws, _ := cmd.Flags().GetBool("with-size"); ws {
				return a.printRepoWithSize(cmd, c, s.context, r)
			}
			return a.print(cmd, r)
		},
	}
	cmd.Flags().String("repo", "", "repo name (required)")
	cmd.Flags().Bool("with-size", false, withSizeHelp+"; also prints a line per bundle: ID , Message , Timestamp , Size (HumanSize)")
	addFormatFlag(cmd, fmtRepo)
	return cmd
}

func (a *app) repoDeleteCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "delete",
		Short: "delete a repo's metadata: its bundles, labels and descriptor (admin)",
		Long: "Deletes the repo's bundles, labels and descriptor. Asks for confirmation on a terminal;\n" +
			"without a terminal --force-yes is required (else exit 64).",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := required(cmd, "repo")
			if err != nil {
				return err
			}
			s, err := a.resolve(cmd)
			if err != nil {
				return err
			}
			force, _ := cmd.Flags().GetBool("force-yes")
			if !force {
				ok, err := a.confirm(fmt.Sprintf("Delete repo %q in context %q with all its bundles and labels?", v[0], s.context))
				if err != nil {
					return err
				}
				if !ok {
					return errDeclined
				}
			}
			c, s, err := a.client(cmd)
			if err != nil {
				return err
			}
			if err := c.DeleteRepo(ctxOf(cmd), s.context, v[0]); err != nil {
				return explain(err, fmt.Sprintf("repo %q", v[0]))
			}
			a.say("deleted repo %q in context %q", v[0], s.context)
			return nil
		},
	}
	cmd.Flags().String("repo", "", "repo name (required)")
	cmd.Flags().Bool("force-yes", false, "do not ask for confirmation")
	cmd.AddCommand(a.repoDeleteFilesCmd()) // repo_admin.go
	return cmd
}

// confirm asks a y/n question on stderr and reads the answer from stdin.
// Without a terminal it refuses (usage error): scripts must pass --force-yes.
func (a *app) confirm(question string) (bool, error) {
	if !a.stdinTerminal() {
		return false, usagef("stdin is not a terminal: pass --force-yes to confirm")
	}
	fmt.Fprintf(a.errOut, "%s [y/N] ", question)
	line, _ := bufio.NewReader(a.in).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

// noArgs is cobra.NoArgs as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 && cmd.HasSubCommands() {
		return usagef("unknown command %q for %q", args[0], cmd.CommandPath())
	}
	if len(args) > 0 {
		return usagef("%s takes no arguments, got %q", cmd.CommandPath(), args)
	}
	return nil
}

// exactArgs is cobra.ExactArgs as a usage error.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("usage: %s %s", cmd.CommandPath(), what)
		}
		return nil
	}
}
