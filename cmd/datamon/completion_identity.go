package main

import (
	"context"
	"strings"

	"github.com/datamon-io/datamon/client"
	"github.com/spf13/cobra"
)

// identityArg completes the positional argument of user, key and grant
// commands ("parent name" -> lister). Listing users and keys needs a
// cluster admin key: with any other key nothing is offered.
var identityArg = map[string]lister{
	"user get": completeUsers, "user delete": completeUsers,
	"key get": completeKeys, "key delete": completeKeys, "key rotate": completeKeys,
	"grant add": completeNothing, "grant remove": completeGrantScopes,
}

func completeUsers(ctx context.Context, c *client.Client, _ settings, _ *cobra.Command) ([]string, error) {
	us, err := c.ListUsers(ctx)
	out := make([]string, 0, len(us))
	for _, u := range us {
		out = append(out, cobra.CompletionWithDesc(u.Name, u.Email))
	}
	return out, err
}

func completeKeys(ctx context.Context, c *client.Client, _ settings, cmd *cobra.Command) ([]string, error) {
	user, _ := cmd.Flags().GetString("user") // "" where there is no --user
	ks, err := c.ListKeys(ctx, user)
	out := make([]string, 0, len(ks))
	for _, k := range ks {
		out = append(out, cobra.CompletionWithDesc(k.ID, k.User))
	}
	return out, err
}

// completeGrantScopes offers the scopes of --key's grants.
func completeGrantScopes(ctx context.Context, c *client.Client, _ settings, cmd *cobra.Command) ([]string, error) {
	id, _ := cmd.Flags().GetString("key")
	if id == "" {
		return nil, nil // the key is needed first
	}
	k, err := c.GetKey(ctx, id)
	out := make([]string, 0, len(k.Grants))
	for _, g := range k.Grants {
		scope, perm, _ := strings.Cut(g, "=")
		out = append(out, cobra.CompletionWithDesc(scope, perm))
	}
	return out, err
}

// completeNothing: an argument the server cannot suggest (but no file names).
func completeNothing(context.Context, *client.Client, settings, *cobra.Command) ([]string, error) {
	return nil, nil
}
