package main

import (
	"fmt"

	"github.com/datamon-io/datamon/model"
	"github.com/spf13/cobra"
)

// Users, access keys and grants (`datamon user|key|grant`): parsing and
// printing only; the server decides who may do what (a cluster admin, or
// a key reading or rotating itself) and makes every key ID and secret.

const (
	fmtUser = "{{.Name}} , {{.Email}} , {{.Created}} , {{join .Keys}}"
	fmtKey  = "{{.ID}} , {{.User}} , {{join .Grants}} , {{.Created}}" +
		"{{if not .OldSecretUntil.IsZero}} , old secret valid until {{.OldSecretUntil}}{{end}}"
	// fmtKeySecret is the answer of key create and rotate, in client.yaml's words.
	fmtKeySecret = "access_key: {{.ID}}\nsecret_key: {{.Secret}}\nuser: {{.User}}\ngrants: {{join .Grants}}" +
		"{{if not .OldSecretUntil.IsZero}}\nold_secret_until: {{.OldSecretUntil}}{{end}}"
	secretOnce = "the secret key is shown only now: store it safely, it will not be shown again"
)

func (a *app) userCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "create, list, get and delete users (cluster admin)"}
	cmd.AddCommand(a.userCreateCmd(), a.userListCmd(), a.userGetCmd(), a.userDeleteCmd())
	return cmd
}

func (a *app) userCreateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use: "create", Short: "create a user (a person or a pipeline; give it keys with `key create`)", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := required(cmd, "name")
			if err != nil {
				return err
			}
			email, _ := cmd.Flags().GetString("email")
			if err := model.ValidateUser(model.User{Name: v[0], Email: email}); err != nil {
				return usageError{err}
			}
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			u, err := c.CreateUser(ctxOf(cmd), v[0], email)
			if err != nil {
				return explain(err, fmt.Sprintf("user %q", v[0]))
			}
			a.say("created user %q", u.Name)
			return nil
		},
	}
	cmd.Flags().String("name", "", "user name: letters, digits, '-', '_', '.' (required)")
	cmd.Flags().String("email", "", "email address (recorded as the contributor of what the user's keys write)")
	return cmd
}

func (a *app) userListCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use: "list", Short: "list the users", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			us, err := c.ListUsers(ctxOf(cmd))
			if err != nil {
				return err
			}
			return a.print(cmd, us)
		},
	}
	addFormatFlag(cmd, fmtUser)
	return cmd
}

func (a *app) userGetCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use: "get NAME", Short: "show one user and its key IDs (exit 2 if it does not exist)", Args: exactArgs(1, "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			u, err := c.GetUser(ctxOf(cmd), args[0])
			if err != nil {
				return explain(err, fmt.Sprintf("user %q", args[0]))
			}
			return a.print(cmd, u)
		},
	}
	addFormatFlag(cmd, fmtUser)
	return cmd
}

func (a *app) userDeleteCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "delete NAME",
		Short: "delete a user and every access key it holds",
		Long: "Deletes the user and its keys (they stop working at once). Asks for confirmation on a terminal;\n" +
			"without a terminal --force-yes is required (else exit 64).",
		Args: exactArgs(1, "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.confirmUnlessForced(cmd, fmt.Sprintf("Delete user %q and all its access keys?", args[0])); err != nil {
				return err
			}
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			if err := c.DeleteUser(ctxOf(cmd), args[0]); err != nil {
				return explain(err, fmt.Sprintf("user %q", args[0]))
			}
			a.say("deleted user %q and its keys", args[0])
			return nil
		},
	}
	cmd.Flags().Bool("force-yes", false, "do not ask for confirmation")
	return cmd
}
