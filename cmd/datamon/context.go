package main

import (
	"fmt"

	"github.com/datamon-io/datamon/model"
	"github.com/spf13/cobra"
)

func (a *app) contextCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "context", Short: "create, list, get and squash contexts (namespaces of repos)"}
	cmd.AddCommand(a.contextCreateCmd(), a.contextListCmd(), a.contextGetCmd(), a.contextSquashCmd())
	return cmd
}

// explicitContext returns --context, which these commands require explicitly.
func (a *app) explicitContext(cmd *cobra.Command) (string, error) {
	if !cmd.Flags().Changed("context") || a.contextName == "" {
		return "", usagef("%s: missing required flag --context", cmd.CommandPath())
	}
	return a.contextName, nil
}

func (a *app) contextCreateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use: "create", Short: "create a context (root key)", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			name, err := a.explicitContext(cmd)
			if err != nil {
				return err
			}
			desc, _ := cmd.Flags().GetString("description")
			c, s, err := a.client(cmd)
			if err != nil {
				return err
			}
			if _, err := c.CreateContext(ctxOf(cmd), model.Context{Name: name, Description: desc, Contributor: s.file.Contributor()}); err != nil {
				return explain(err, fmt.Sprintf("context %q", name))
			}
			a.say("created context %q", name)
			return nil
		},
	}
	cmd.Flags().String("description", "", "context description")
	return cmd
}

func (a *app) contextListCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use: "list", Short: "list contexts", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			cs, err := c.ListContexts(ctxOf(cmd))
			if err != nil {
				return err
			}
			return a.print(cmd, cs)
		},
	}
	addFormatFlag(cmd, fmtContext)
	return cmd
}

func (a *app) contextGetCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use: "get", Short: "show a context (exit 2 if it does not exist)", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			name, err := a.explicitContext(cmd)
			if err != nil {
				return err
			}
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			x, err := c.GetContext(ctxOf(cmd), name)
			if err != nil {
				return explain(err, fmt.Sprintf("context %q", name))
			}
			return a.print(cmd, x)
		},
	}
	addFormatFlag(cmd, fmtContext)
	return cmd
}
