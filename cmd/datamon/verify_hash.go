package main

import "github.com/spf13/cobra"

// verifyHashHelp is the help of --verify-hash. Every chunk read is checked
// against its content address: client.GetChunk hashes the bytes it receives
// (BLAKE3) and refuses a mismatch (client.ErrCorruptChunk, after trying the
// other nodes); transfer and fusefs read only through it.
const verifyHashHelp = "verify chunk hashes: always on; accepted for datamon compatibility " +
	"(chunks are content-addressed and checked on every read)"

// addVerifyHashFlag adds datamon's --verify-hash to a command that reads
// chunks. --verify-hash=false prints a one-line note on stderr and the
// command runs as usual, verifying.
func (a *app) addVerifyHashFlag(cmd *cobra.Command) {
	cmd.Flags().Bool("verify-hash", true, verifyHashHelp)
	run := cmd.RunE
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if on, _ := cmd.Flags().GetBool("verify-hash"); !on {
			a.say("note: --verify-hash=false is ignored: chunk hashes are always verified on read")
		}
		return run(cmd, args)
	}
}
