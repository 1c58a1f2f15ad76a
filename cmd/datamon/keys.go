package main

import (
	"fmt"

	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/model"
	"github.com/spf13/cobra"
)

func (a *app) keyCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "key", Short: "create, list, get, delete and rotate access keys"}
	cmd.AddCommand(a.keyCreateCmd(), a.keyListCmd(), a.keyGetCmd(), a.keyDeleteCmd(), a.keyRotateCmd())
	return cmd
}

func (a *app) grantCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "grant", Short: "add or remove an access key's permission on a repo, a context or the cluster"}
	cmd.AddCommand(a.grantAddCmd(), a.grantRemoveCmd())
	return cmd
}

const grantHelp = "scope=permission: ctx/repo=read, ctx/*=write (every repo of a context), *=admin (the cluster)"

// printSecret prints a key with its secret (once) and says so on stderr.
func (a *app) printSecret(cmd *cobra.Command, k client.KeySecret) error {
	if err := a.print(cmd, k); err != nil {
		return err
	}
	a.say("%s", secretOnce)
	return nil
}

func (a *app) keyCreateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use: "create", Short: "create an access key for a user; prints its secret, once", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := required(cmd, "user")
			if err != nil {
				return err
			}
			grants, _ := cmd.Flags().GetStringArray("grant")
			seen := map[string]bool{}
			for _, g := range grants {
				pg, err := model.ParseGrant(g)
				if err != nil {
					return usagef("--grant: %v", err)
				}
				if seen[pg.Scope] {
					return usagef("--grant: scope %q given twice", pg.Scope)
				}
				seen[pg.Scope] = true
			}
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			k, err := c.CreateKey(ctxOf(cmd), v[0], grants)
			if err != nil {
				return explain(err, fmt.Sprintf("user %q", v[0]))
			}
			return a.printSecret(cmd, k)
		},
	}
	cmd.Flags().String("user", "", "the user the key belongs to (required)")
	cmd.Flags().StringArray("grant", nil, "a permission of the key, repeatable: "+grantHelp)
	addFormatFlag(cmd, fmtKeySecret)
	return cmd
}

func (a *app) keyListCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use: "list", Short: "list access keys (never their secrets)", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			user, _ := cmd.Flags().GetString("user")
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			ks, err := c.ListKeys(ctxOf(cmd), user)
			if err != nil {
				return explain(err, fmt.Sprintf("user %q", user))
			}
			return a.print(cmd, ks)
		},
	}
	cmd.Flags().String("user", "", "only the keys of this user")
	addFormatFlag(cmd, fmtKey)
	return cmd
}

func (a *app) keyGetCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use: "get ID", Short: "show one access key, not its secret (exit 2 if it does not exist)", Args: exactArgs(1, "ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			k, err := c.GetKey(ctxOf(cmd), args[0])
			if err != nil {
				return explain(err, fmt.Sprintf("access key %q", args[0]))
			}
			return a.print(cmd, k)
		},
	}
	addFormatFlag(cmd, fmtKey)
	return cmd
}

func (a *app) keyDeleteCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "delete ID",
		Short: "delete an access key (it stops working at once)",
		Long:  "Asks for confirmation on a terminal; without a terminal --force-yes is required (else exit 64).",
		Args:  exactArgs(1, "ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.confirmUnlessForced(cmd, fmt.Sprintf("Delete access key %q?", args[0])); err != nil {
				return err
			}
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			if err := c.DeleteKey(ctxOf(cmd), args[0]); err != nil {
				return explain(err, fmt.Sprintf("access key %q", args[0]))
			}
			a.say("deleted access key %q", args[0])
			return nil
		},
	}
	cmd.Flags().Bool("force-yes", false, "do not ask for confirmation")
	return cmd
}

func (a *app) keyRotateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rotate ID",
		Short: "give an access key a new secret; the old one keeps working for --grace",
		Long: "Prints the new secret, once. The old secret stays valid for --grace (0s: revoked at once),\n" +
			"so a pipeline can switch without downtime. A key may rotate itself.",
		Args: exactArgs(1, "ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			grace, _ := cmd.Flags().GetDuration("grace")
			if grace < 0 || grace > model.MaxRotationGrace {
				return usagef("--grace %v: want 0s to %v", grace, model.MaxRotationGrace)
			}
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			k, err := c.RotateKey(ctxOf(cmd), args[0], grace)
			if err != nil {
				return explain(err, fmt.Sprintf("access key %q", args[0]))
			}
			return a.printSecret(cmd, k)
		},
	}
	cmd.Flags().Duration("grace", model.DefaultRotationGrace, fmt.Sprintf("how long the old secret stays valid (0s to %v)", model.MaxRotationGrace))
	addFormatFlag(cmd, fmtKeySecret)
	return cmd
}

func (a *app) grantAddCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use: "add --key ID SCOPE=PERMISSION", Short: "set a key's permission on a scope (" + grantHelp + ")",
		Args: exactArgs(1, "--key ID SCOPE=PERMISSION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := required(cmd, "key")
			if err != nil {
				return err
			}
			if _, err := model.ParseGrant(args[0]); err != nil {
				return usageError{err}
			}
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			k, err := c.AddGrant(ctxOf(cmd), v[0], args[0])
			if err != nil {
				return explain(err, fmt.Sprintf("access key %q", v[0]))
			}
			return a.print(cmd, k)
		},
	}
	cmd.Flags().String("key", "", "access key ID (required)")
	addFormatFlag(cmd, fmtKey)
	return cmd
}

func (a *app) grantRemoveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use: "remove --key ID SCOPE", Short: "drop a key's permission on a scope (exit 2 if it had none)",
		Args: exactArgs(1, "--key ID SCOPE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := required(cmd, "key")
			if err != nil {
				return err
			}
			if err := model.ValidateScope(args[0]); err != nil {
				return usageError{err}
			}
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			k, err := c.RemoveGrant(ctxOf(cmd), v[0], args[0])
			if err != nil {
				return explain(err, fmt.Sprintf("grant on %q of access key %q", args[0], v[0]))
			}
			return a.print(cmd, k)
		},
	}
	cmd.Flags().String("key", "", "access key ID (required)")
	addFormatFlag(cmd, fmtKey)
	return cmd
}
