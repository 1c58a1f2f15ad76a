package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/runs"
	"github.com/spf13/cobra"
)

// annOutputDot marks commands that accept --output dot.
const annOutputDot = "datamon/output-dot"

func (a *app) lineageCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "lineage", Short: "what produced a bundle or run (upstream), what consumed it (downstream)"}
	for _, dir := range []string{model.Upstream, model.Downstream} {
		cmd.AddCommand(a.lineageDirCmd(dir))
	}
	cmd.AddCommand(a.lineagePostCmd())
	return cmd
}

func (a *app) lineagePostCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "post FILE",
		Short: "send OpenLineage RunEvents (JSON lines; - for stdin) to POST /api/v1/lineage as runs",
		Args:  exactArgs(1, "FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var in io.Reader = a.in
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				in = f
			}
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			// Every line is checked before any is sent: a bad file sends nothing.
			var events [][]byte
			sc := bufio.NewScanner(in)
			sc.Buffer(make([]byte, 64<<10), runs.MaxEventSize)
			for n := 1; sc.Scan(); n++ {
				line := bytes.TrimSpace(sc.Bytes())
				if len(line) == 0 {
					continue
				}
				if _, err := runs.ParseEvent(line); err != nil {
					return usagef("line %d: %v", n, err)
				}
				events = append(events, append([]byte(nil), line...))
			}
			if err := sc.Err(); err != nil {
				return err
			}
			for i, ev := range events {
				r, err := c.PostLineageEvent(ctxOf(cmd), ev)
				if err != nil {
					return fmt.Errorf("event %d of %d: %w", i+1, len(events), err)
				}
				fmt.Fprintf(a.out, "%s %s %s\n", r.ID, r.Name, r.Status)
			}
			return nil
		},
	}
}

func (a *app) lineageDirCmd(dir string) *cobra.Command {
	short := "runs that produced TARGET and the bundles they read, recursively"
	if dir == model.Downstream {
		short = "runs that read TARGET and the bundles they wrote, recursively"
	}
	cmd := &cobra.Command{
		Use:         dir + " RUN_ID|[context/]repo@label-or-bundle",
		Short:       short,
		Annotations: map[string]string{annOutputDot: "yes"},
		Long: short + ".\nPrints a tree; --output json the graph, --output dot a Graphviz digraph.\n" +
			"--depth N stops after N runs along a path (the start run counts); the answer is bounded\n" +
			"by --max-nodes (default 1000) and says when it was cut. Bundles of repos you may not\n" +
			"read are shown hidden and not followed. Exit 2 if TARGET does not exist.",
		Args: exactArgs(1, "TARGET"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, s, err := a.client(cmd)
			if err != nil {
				return err
			}
			q := model.LineageQuery{Direction: dir}
			q.Depth, _ = cmd.Flags().GetInt("depth")
			q.MaxNodes, _ = cmd.Flags().GetInt("max-nodes")
			if q.Depth < 0 || q.MaxNodes < 0 {
				return usagef("--depth and --max-nodes must not be negative")
			}
			if err := a.lineageTarget(cmd, c, s.context, args[0], &q); err != nil {
				return err
			}
			l, err := c.Lineage(ctxOf(cmd), q)
			if err != nil {
				return explain(err, args[0])
			}
			switch a.output {
			case "json":
				return a.print(cmd, l)
			case "dot":
				return runs.Dot(a.out, l)
			}
			return runs.Tree(a.out, l)
		},
	}
	cmd.Flags().Int("depth", 0, "at most this many runs along a path (0: no limit but --max-nodes)")
	cmd.Flags().Int("max-nodes", 0, "at most this many nodes in the answer (default 1000)")
	return cmd
}

// lineageTarget fills q's start: a run ID, or a bundle named by ID or by label.
func (a *app) lineageTarget(cmd *cobra.Command, c *client.Client, ctxName, target string, q *model.LineageQuery) error {
	if !strings.Contains(target, "@") {
		q.RunID = target
		return nil
	}
	ref, err := model.ParseInputRef(target)
	if err != nil || ref.Path != "" {
		return usagef("lineage target %q: a run ID or [context/]repo@label-or-bundle", target)
	}
	if ref.Context == "" {
		ref.Context = ctxName
	}
	q.Context, q.Repo = ref.Context, ref.Repo
	b, err := c.GetBundle(ctxOf(cmd), ref.Context, ref.Repo, ref.Ref)
	if err == nil {
		q.Bundle = b.ID
		return nil
	}
	if !errors.Is(err, model.ErrNotFound) {
		return err
	}
	l, err := c.GetLabel(ctxOf(cmd), ref.Context, ref.Repo, ref.Ref)
	if err != nil {
		return explain(err, fmt.Sprintf("bundle or label %q of repo %q", ref.Ref, ref.Repo))
	}
	q.Bundle = l.BundleID
	return nil
}
