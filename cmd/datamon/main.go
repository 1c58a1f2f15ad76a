// Command datamon is the datamon CLI and, as `datamon node`, the server.
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "datamon:", err)
		os.Exit(exitCode(err))
	}
}
