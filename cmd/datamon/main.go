// Command datamon is the datamon CLI and, as `datamon node`, the server.
//
// Exit codes (scripts may rely on them): 0 success; 1 other errors (and "n"
// to a confirmation prompt); 2 (ENOENT) the context, repo, bundle, label,
// chunk, user, access key or grant does not exist; 3 a precondition failed
// (label --if-match / --if-not-exists; deleting the last cluster-admin key
// or the key the command signs with); 64 usage error (unknown command, bad or missing flags or
// arguments, confirmation impossible without --force-yes); 130 interrupted
// (SIGINT/SIGTERM before the command finished).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	cmd, err := newRootCmd().ExecuteContextC(ctx)
	interrupted := ctx.Err() != nil
	stop()
	var es exitStatus // run exec: its command's exit status, already reported
	if errors.As(err, &es) {
		os.Exit(es.code)
	}
	if err != nil {
		if interrupted && !errors.As(err, new(usageError)) {
			// The command was cut short by Ctrl-C: say what that means for
			// it (an annotation on the command), not "context canceled".
			msg := "interrupted"
			if cmd != nil && cmd.Annotations[annInterrupted] != "" {
				msg += ": " + cmd.Annotations[annInterrupted]
			}
			fmt.Fprintln(os.Stderr, "datamon:", msg)
			os.Exit(exitInterrupted)
		}
		fmt.Fprintln(os.Stderr, "datamon:", plainError(err))
		os.Exit(exitCode(err))
	}
}
