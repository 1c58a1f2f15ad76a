package main

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/datamon-io/datamon/client"
	"github.com/spf13/cobra"
)

// completionTimeout bounds the server lookups of one shell completion: a
// slow or unreachable cluster must not hang the user's <TAB>.
const completionTimeout = 2 * time.Second

// registerCompletions adds dynamic completion of --context, --repo, --label,
// --bundle, --user and --key to every command that has them, of the node ID
// of `cluster remove-node|drain|undrain`, and of the user, key or scope
// argument of `user|key|grant` commands (cobra's `completion
// bash|zsh|fish|powershell` scripts call the hidden `__complete` command,
// which runs these). Candidates come from the server with the same config and
// keys as the command itself; any error (no config, unreachable, no access)
// completes nothing and prints nothing.
func (a *app) registerCompletions(root *cobra.Command) {
	_ = root.RegisterFlagCompletionFunc("context", a.completer(completeContexts))
	nodeArg := map[string]bool{"remove-node": true, "drain": true, "undrain": true}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for name, fn := range map[string]lister{"repo": completeRepos, "label": completeLabels, "bundle": completeBundles,
			"user": completeUsers, "key": completeKeys} { // completion_identity.go

			if c.LocalNonPersistentFlags().Lookup(name) != nil {
				_ = c.RegisterFlagCompletionFunc(name, a.completer(fn))
			}
		}
		switch {
		case c.ValidArgsFunction != nil:
		case c.HasParent() && c.Parent().Name() == "cluster" && nodeArg[c.Name()]:
			c.ValidArgsFunction = a.firstArg(a.completer(completeNodes))
		case c.HasParent() && identityArg[c.Parent().Name()+" "+c.Name()] != nil:
			c.ValidArgsFunction = a.firstArg(a.completer(identityArg[c.Parent().Name()+" "+c.Name()]))
		case c.HasSubCommands() || takesNoArgs(c):
			// Subcommand names only, never file names.
			c.ValidArgsFunction = cobra.NoFileCompletions
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// takesNoArgs reports whether c refuses every positional argument.
func takesNoArgs(c *cobra.Command) bool {
	return c.Args != nil && c.Args(c, nil) == nil && c.Args(c, []string{"x"}) != nil
}

// firstArg completes the first positional argument with f, nothing after.
func (a *app) firstArg(f cobra.CompletionFunc) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return f(cmd, args, toComplete)
	}
}

// lister returns completion candidates ("value" or "value\tdescription")
// for the command's settings.
type lister func(ctx context.Context, c *client.Client, s settings, cmd *cobra.Command) ([]string, error)

// completer turns a lister into a cobra completion function that filters by
// the prefix typed and never offers files.
func (a *app) completer(list lister) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		const directive = cobra.ShellCompDirectiveNoFileComp
		c, s, err := a.completionClient(cmd)
		if err != nil {
			return nil, directive
		}
		ctx, cancel := context.WithTimeout(ctxOf(cmd), completionTimeout)
		defer cancel()
		all, err := list(ctx, c, s, cmd)
		if err != nil {
			return nil, directive
		}
		var out []cobra.Completion
		for _, v := range all {
			if strings.HasPrefix(v, toComplete) {
				out = append(out, v)
			}
		}
		return out, directive
	}
}

// completionClient is app.client with a silent logger, one short attempt
// per endpoint and no "no config" message.
func (a *app) completionClient(cmd *cobra.Command) (*client.Client, settings, error) {
	s, err := a.resolve(cmd)
	if err != nil {
		return nil, s, err
	}
	cfg := s.file.ClientConfig()
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.Timeout = completionTimeout
	cfg.Retries = max(len(cfg.Endpoints)-1, 0) // each endpoint once
	cfg.Backoff, cfg.MaxBackoff = 10*time.Millisecond, 50*time.Millisecond
	if a.dial != nil {
		cfg.Dial = func(addr string) (net.Conn, error) { return a.dial(addr) }
	}
	c, err := client.New(cfg)
	return c, s, err
}

func completeContexts(ctx context.Context, c *client.Client, _ settings, _ *cobra.Command) ([]string, error) {
	cs, err := c.ListContexts(ctx)
	out := make([]string, 0, len(cs))
	for _, x := range cs {
		out = append(out, cobra.CompletionWithDesc(x.Name, x.Description))
	}
	return out, err
}

func completeRepos(ctx context.Context, c *client.Client, s settings, _ *cobra.Command) ([]string, error) {
	rs, err := c.ListRepos(ctx, s.context)
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, cobra.CompletionWithDesc(r.Name, r.Description))
	}
	return out, err
}

func completeLabels(ctx context.Context, c *client.Client, s settings, cmd *cobra.Command) ([]string, error) {
	repo, _ := cmd.Flags().GetString("repo")
	if repo == "" {
		return nil, nil // the repo is needed first
	}
	ls, err := c.ListLabels(ctx, s.context, repo, "")
	out := make([]string, 0, len(ls))
	for _, l := range ls {
		out = append(out, cobra.CompletionWithDesc(l.Name, l.BundleID))
	}
	return out, err
}

// completeBundles offers the repo's bundle IDs, newest first, with their
// messages.
func completeBundles(ctx context.Context, c *client.Client, s settings, cmd *cobra.Command) ([]string, error) {
	repo, _ := cmd.Flags().GetString("repo")
	if repo == "" {
		return nil, nil
	}
	bs, err := c.ListBundles(ctx, s.context, repo)
	out := make([]string, 0, len(bs))
	for i := len(bs) - 1; i >= 0; i-- {
		out = append(out, cobra.CompletionWithDesc(bs[i].ID, firstLine(bs[i].Message)))
	}
	return out, err
}

func completeNodes(ctx context.Context, c *client.Client, _ settings, _ *cobra.Command) ([]string, error) {
	ms, err := c.Members(ctx)
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, cobra.CompletionWithDesc(m.ID, m.Site+", "+m.State))
	}
	return out, err
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
