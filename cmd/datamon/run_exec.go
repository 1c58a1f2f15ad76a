package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/datamon-io/datamon/client"
	"github.com/datamon-io/datamon/model"
	"github.com/datamon-io/datamon/runs"
	"github.com/spf13/cobra"
)

// exitStatus makes the process exit with code, printing nothing more
// (run exec passes its command's status through).
type exitStatus struct{ code int }

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func (a *app) runExecCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "exec [flags] -- CMD [ARG...]",
		Short: "run CMD as a pipeline run: start, pin inputs, heartbeat, finish with CMD's status",
		Long: "Starts a run (the flags of `run start`), runs CMD with DATAMON_RUN set (so its bundle\n" +
			"uploads and commits become outputs, its downloads inputs), sends a heartbeat every lease/3,\n" +
			"forwards SIGINT, SIGTERM, SIGHUP and SIGQUIT to CMD, and finishes the run: succeeded if CMD\n" +
			"exits 0, failed otherwise (exit code or signal as the reason). Exits with CMD's code (128+N\n" +
			"for signal N). If this process is killed, the heartbeats stop and the cluster marks the\n" +
			"run failed when the lease expires (--lease, env DATAMON_RUN_LEASE, default 30s); CMD is\n" +
			"killed with it (Linux). Prints the run ID on stderr.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 || cmd.ArgsLenAtDash() != 0 {
				return usagef("run exec needs a command after --: datamon run exec --name N -- CMD [ARG...]")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			c, s, err := a.client(cmd)
			if err != nil {
				return err
			}
			req, err := a.runStart(cmd, s.context)
			if err != nil {
				return err
			}
			if req.Lease, err = a.execLease(cmd); err != nil {
				return err
			}
			r, err := c.StartRun(ctxOf(cmd), req)
			if err != nil {
				return fmt.Errorf("start run %q: %w", req.Name, err)
			}
			fmt.Fprintf(a.errOut, "datamon: run %s started\n", r.ID)
			child := exec.Command(args[0], args[1:]...)
			child.Stdin, child.Stdout, child.Stderr = a.in, a.out, a.errOut
			child.Env = append(os.Environ(), client.RunEnvVar+"="+r.ID)
			out := runs.Supervise(ctxOf(cmd), c, r.ID, child, runs.SuperviseConfig{Lease: r.Lease, Logger: a.logger()})
			// The command's context may be cancelled (a forwarded Ctrl-C):
			// the finish must still go out.
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctxOf(cmd)), 30*time.Second)
			defer cancel()
			fin, err := c.FinishRun(fctx, r.ID, out.Status, out.Reason)
			if err != nil {
				return fmt.Errorf("finish run %s as %s: %w", r.ID, out.Status, err)
			}
			fmt.Fprintf(a.errOut, "datamon: run %s %s%s\n", fin.ID, fin.Status, reasonSuffix(fin))
			if out.ExitCode != 0 {
				return exitStatus{code: out.ExitCode}
			}
			return nil
		},
	}
	addRunStartFlags(cmd)
	cmd.Flags().Duration("lease", 0, "run lease: failed if no heartbeat comes within it (default $DATAMON_RUN_LEASE, else 30s)")
	return cmd
}

func reasonSuffix(r model.Run) string {
	if r.Reason == "" {
		return ""
	}
	return " (" + r.Reason + ")"
}

func (a *app) execLease(cmd *cobra.Command) (time.Duration, error) {
	if cmd.Flags().Changed("lease") {
		d, _ := cmd.Flags().GetDuration("lease")
		if d <= 0 || d > model.RunMaxLease {
			return 0, usagef("--lease %v: more than 0, at most %v", d, model.RunMaxLease)
		}
		return d, nil
	}
	if v := a.getenv("DATAMON_RUN_LEASE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > model.RunMaxLease {
			return 0, usagef("DATAMON_RUN_LEASE=%q: a duration more than 0, at most %v", v, model.RunMaxLease)
		}
		return d, nil
	}
	return 30 * time.Second, nil
}
