package main

import (
	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/model"
	"github.com/spf13/cobra"
)

// recordInput adds bundle b of repo to the inputs of $DATAMON_RUN (a
// download or a mount made inside a run), with the --label it was resolved
// from and the part read (path). Without DATAMON_RUN: nothing.
func (a *app) recordInput(cmd *cobra.Command, c *client.Client, ctxName, repo string, b model.Bundle, path string) error {
	id := a.getenv(client.RunEnvVar)
	if id == "" {
		return nil
	}
	label, _ := cmd.Flags().GetString("label")
	in := model.InputRef{Context: ctxName, Repo: repo, Ref: b.ID, Label: label, Path: path}
	if _, err := c.AddRunInputs(ctxOf(cmd), id, []model.InputRef{in}); err != nil {
		return explain(err, "run "+id+" (from "+client.RunEnvVar+")")
	}
	return nil
}
