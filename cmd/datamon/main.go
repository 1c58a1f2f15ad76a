// Command datamon is the datamon CLI and, as `datamon node`, the server.
//
// Exit codes (scripts may rely on them): 0 success; 1 other errors; 2 (ENOENT)
// the context, repo, bundle, label or chunk does not exist; 3 a precondition
// failed (label --if-match / --if-not-exists); 64 usage error (bad or missing
// flags or arguments, confirmation impossible without --force-yes).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCmd().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "datamon:", plainError(err))
		os.Exit(exitCode(err))
	}
}
