package main

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/runs"
	"github.com/spf13/cobra"
)

const fmtRun = "{{.ID}} , {{.Name}} , {{.Status}} , {{.Owner}} , {{.Started}}"

func (a *app) runCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "run", Short: "pipeline runs: start, log metrics, finish, inspect (docs/runs.md)"}
	cmd.AddCommand(a.runStartCmd(), a.runExecCmd(), a.runLogMetricCmd(), a.runFinishCmd(), a.runGetCmd(),
		a.runListCmd(), a.runUpdateCmd())
	return cmd
}

// addRunStartFlags are the flags of run start and run exec.
func addRunStartFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.String("name", "", "run name (required)")
	f.String("pipeline", "", "pipeline the run belongs to")
	f.String("step", "", "step of the pipeline")
	f.StringArray("param", nil, "parameter key=value (repeatable)")
	f.StringArray("tag", nil, "tag key=value (repeatable)")
	f.StringArray("input", nil, "input [context/]repo@label-or-bundle[:path] (repeatable): resolved and pinned at start")
	f.String("code-ref", "", "code: URL@COMMIT[+dirty], or 'git' to read the current git work tree")
	f.String("image", "", "container image the run uses")
	f.String("host", "", "host the run runs on (default: this host's name)")
}

// runStart builds a start request from the flags.
func (a *app) runStart(cmd *cobra.Command, contextName string) (model.RunStart, error) {
	v, err := required(cmd, "name")
	if err != nil {
		return model.RunStart{}, err
	}
	f := cmd.Flags()
	s := model.RunStart{Context: contextName, Name: v[0]}
	s.Pipeline, _ = f.GetString("pipeline")
	s.Step, _ = f.GetString("step")
	s.Env.Image, _ = f.GetString("image")
	s.Env.Host, _ = f.GetString("host")
	if s.Env.Host == "" {
		s.Env.Host, _ = os.Hostname()
	}
	for flag, dst := range map[string]*map[string]string{"param": &s.Params, "tag": &s.Tags} {
		vals, _ := f.GetStringArray(flag)
		for _, kv := range vals {
			k, val, err := model.ParseParam(kv)
			if err != nil {
				return s, usagef("--%s %q: %v", flag, kv, err)
			}
			if *dst == nil {
				*dst = map[string]string{}
			}
			(*dst)[k] = val
		}
	}
	ins, _ := f.GetStringArray("input")
	for _, in := range ins {
		r, err := model.ParseInputRef(in)
		if err != nil {
			return s, usagef("--input %q: %v", in, err)
		}
		s.Inputs = append(s.Inputs, r)
	}
	switch ref, _ := f.GetString("code-ref"); ref {
	case "":
	case "git":
		wd, _ := os.Getwd()
		if s.Code, err = runs.DetectGitRef(ctxOf(cmd), wd); err != nil {
			return s, usagef("--code-ref git: %v", err)
		}
	default:
		if s.Code, err = model.ParseCodeRef(ref); err != nil {
			return s, usagef("--code-ref: %v", err)
		}
	}
	if err := model.ValidateRunStart(s); err != nil {
		return s, usagef("%v", err)
	}
	return s, nil
}

func (a *app) runStartCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "start",
		Short: "start a run and print its ID (export it as DATAMON_RUN for the steps of the run)",
		Long: "Starts a run owned by the authenticated identity; the cluster resolves each --input to\n" +
			"the bundle it names now and pins it (a missing repo, label or bundle exits 2 and starts\n" +
			"nothing). Prints the run ID; --export prints `export DATAMON_RUN=ID` for eval. Bundle\n" +
			"uploads and commits made with DATAMON_RUN set become the run's outputs. A run started\n" +
			"here has no lease unless --lease: finish it with `datamon run finish`.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, s, err := a.client(cmd)
			if err != nil {
				return err
			}
			req, err := a.runStart(cmd, s.context)
			if err != nil {
				return err
			}
			req.Lease, _ = cmd.Flags().GetDuration("lease")
			r, err := c.StartRun(ctxOf(cmd), req)
			if err != nil {
				return fmt.Errorf("start run %q: %w", req.Name, err)
			}
			if exp, _ := cmd.Flags().GetBool("export"); exp {
				fmt.Fprintf(a.out, "export %s=%s\n", client.RunEnvVar, r.ID)
				return nil
			}
			if a.output == "json" {
				return a.print(cmd, r)
			}
			fmt.Fprintln(a.out, r.ID)
			return nil
		},
	}
	addRunStartFlags(cmd)
	cmd.Flags().Duration("lease", 0, "fail the run unless a heartbeat comes within this long (0: no lease)")
	cmd.Flags().Bool("export", false, "print `export DATAMON_RUN=ID` (for eval in a shell)")
	return cmd
}

// runID is the --run flag, else DATAMON_RUN.
func (a *app) runID(cmd *cobra.Command) (string, error) {
	id, _ := cmd.Flags().GetString("run")
	if id == "" {
		id = a.getenv(client.RunEnvVar)
	}
	if id == "" {
		return "", usagef("no run: pass --run ID or set %s", client.RunEnvVar)
	}
	return id, nil
}

func (a *app) runLogMetricCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "log-metric KEY VALUE",
		Short: "log a metric value (a number) of a running run (--run, default $DATAMON_RUN)",
		Args:  exactArgs(2, "KEY VALUE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := a.runID(cmd)
			if err != nil {
				return err
			}
			v, err := strconv.ParseFloat(args[1], 64)
			if err != nil {
				return usagef("metric %s: %q is not a number", args[0], args[1])
			}
			p := model.MetricPoint{Key: args[0], Value: v}
			p.Step, _ = cmd.Flags().GetInt64("step")
			if err := model.ValidateMetric(p); err != nil {
				return usagef("%v", err)
			}
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			if _, err := c.LogRunMetrics(ctxOf(cmd), id, []model.MetricPoint{p}); err != nil {
				return explain(err, "run "+id)
			}
			return nil
		},
	}
	cmd.Flags().String("run", "", "run ID (default $DATAMON_RUN)")
	cmd.Flags().Int64("step", 0, "step (epoch, iteration) of the value")
	return cmd
}

func (a *app) runFinishCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "finish",
		Short: "finish a running run with --status succeeded|failed|canceled",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			id, err := a.runID(cmd)
			if err != nil {
				return err
			}
			stName, _ := cmd.Flags().GetString("status")
			st, err := model.ParseRunStatus(stName)
			if err != nil || !st.Finished() {
				return usagef("--status must be succeeded, failed or canceled, not %q", stName)
			}
			reason, _ := cmd.Flags().GetString("reason")
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			r, err := c.FinishRun(ctxOf(cmd), id, st, reason)
			if err != nil {
				return explain(err, "run "+id)
			}
			a.say("run %s %s", r.ID, r.Status)
			return nil
		},
	}
	cmd.Flags().String("run", "", "run ID (default $DATAMON_RUN)")
	cmd.Flags().String("status", "succeeded", "succeeded, failed or canceled")
	cmd.Flags().String("reason", "", "why it failed or was canceled")
	return cmd
}

func (a *app) runGetCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use: "get ID", Short: "show a run (exit 2 if it does not exist); --metrics adds the metric history",
		Args: exactArgs(1, "ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			r, err := c.GetRun(ctxOf(cmd), args[0])
			if err != nil {
				return explain(err, "run "+args[0])
			}
			var hist []model.MetricPoint
			if m, _ := cmd.Flags().GetBool("metrics"); m {
				if hist, err = c.RunMetrics(ctxOf(cmd), r.ID, ""); err != nil {
					return explain(err, "run "+r.ID)
				}
			}
			if a.output == "json" {
				if hist != nil {
					return a.print(cmd, struct {
						model.Run
						History []model.MetricPoint `json:"history"`
					}{r, hist})
				}
				return a.print(cmd, r)
			}
			a.printRun(r, hist)
			return nil
		},
	}
	cmd.Flags().Bool("metrics", false, "also print every logged metric point")
	return cmd
}

// printRun writes a run as "field: value" lines.
func (a *app) printRun(r model.Run, hist []model.MetricPoint) {
	w := a.out
	fmt.Fprintf(w, "id: %s\nname: %s\ncontext: %s\nstatus: %s\nowner: %s\nstarted: %s\n", r.ID, r.Name, r.Context, r.Status, r.Owner, r.Started.Format(time.RFC3339Nano))
	if !r.Ended.IsZero() {
		fmt.Fprintf(w, "ended: %s\n", r.Ended.Format(time.RFC3339Nano))
	}
	opt := map[string]string{"pipeline": r.Pipeline, "step": r.Step, "reason": r.Reason, "image": r.Env.Image,
		"host": r.Env.Host, "notes": r.Notes, "external": r.External}
	if !r.Code.IsZero() {
		opt["code"] = fmt.Sprintf("%s@%s dirty=%v", r.Code.Repo, r.Code.Commit, r.Code.Dirty)
	}
	if !r.LeaseUntil.IsZero() {
		opt["lease_until"] = r.LeaseUntil.Format(time.RFC3339Nano)
	}
	for _, k := range slices.Sorted(maps.Keys(opt)) {
		if opt[k] != "" {
			fmt.Fprintf(w, "%s: %s\n", k, opt[k])
		}
	}
	kv := func(title string, m map[string]string) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			fmt.Fprintf(w, "%s: %s=%s\n", title, k, m[k])
		}
	}
	kv("param", r.Params)
	kv("tag", r.Tags)
	for _, k := range slices.Sorted(maps.Keys(r.Metrics)) {
		fmt.Fprintf(w, "metric: %s=%v\n", k, r.Metrics[k])
	}
	for _, in := range r.Inputs {
		s := fmt.Sprintf("input: %s/%s@%s", in.Context, in.Repo, in.Bundle)
		if in.Label != "" {
			s += " (label " + in.Label + ")"
		}
		if in.Path != "" {
			s += " path=" + in.Path
		}
		fmt.Fprintln(w, s)
	}
	for _, o := range r.Outputs {
		s := fmt.Sprintf("output: %s/%s@%s", o.Context, o.Repo, o.Bundle)
		if o.Label != "" {
			s += " (label " + o.Label + ")"
		}
		fmt.Fprintln(w, s)
	}
	for _, p := range hist {
		fmt.Fprintf(w, "point: %s=%v step=%d at %s\n", p.Key, p.Value, p.Step, p.Time.Format(time.RFC3339Nano))
	}
}

func (a *app) runListCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use: "list", Short: "list runs of the context in start order (--status, --name, --since)", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, s, err := a.client(cmd)
			if err != nil {
				return err
			}
			f := model.RunFilter{Context: s.context}
			f.Name, _ = cmd.Flags().GetString("name")
			f.Limit, _ = cmd.Flags().GetInt("limit")
			if st, _ := cmd.Flags().GetString("status"); st != "" {
				if f.Status, err = model.ParseRunStatus(st); err != nil {
					return usagef("--status: %v", err)
				}
			}
			if since, _ := cmd.Flags().GetString("since"); since != "" {
				if f.Since, err = parseSince(since, time.Now()); err != nil {
					return err
				}
			}
			out, err := c.ListRuns(ctxOf(cmd), f)
			if err != nil {
				return explain(err, "context "+s.context)
			}
			return a.print(cmd, out)
		},
	}
	cmd.Flags().String("status", "", "only runs in this state (running, succeeded, failed, canceled)")
	cmd.Flags().String("name", "", "only runs with this name")
	cmd.Flags().String("since", "", "only runs started since: an RFC 3339 time or a duration ago (24h)")
	cmd.Flags().Int("limit", 0, "at most this many runs (default and most 1000)")
	addFormatFlag(cmd, fmtRun)
	return cmd
}

// parseSince accepts an RFC 3339 time or a duration before now.
func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return time.Time{}, usagef("--since %q: not an RFC 3339 time or a duration", s)
	}
	return now.Add(-d), nil
}

func (a *app) runUpdateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "update ID",
		Short: "set tags (--tag k=v; k= removes) and notes of a run, finished or not",
		Args:  exactArgs(1, "ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var u model.RunUpdate
			tags, _ := cmd.Flags().GetStringArray("tag")
			for _, kv := range tags {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					return usagef("--tag %q is not key=value", kv)
				}
				if u.Tags == nil {
					u.Tags = map[string]string{}
				}
				u.Tags[k] = v
			}
			if cmd.Flags().Changed("notes") {
				n, _ := cmd.Flags().GetString("notes")
				u.Notes = &n
			}
			if err := model.ValidateRunUpdate(u); err != nil {
				return usagef("%v", err)
			}
			c, _, err := a.client(cmd)
			if err != nil {
				return err
			}
			if _, err := c.UpdateRun(ctxOf(cmd), args[0], u); err != nil {
				return explain(err, "run "+args[0])
			}
			return nil
		},
	}
	cmd.Flags().StringArray("tag", nil, "tag key=value (repeatable; key= removes the tag)")
	cmd.Flags().String("notes", "", "notes of the run")
	return cmd
}
