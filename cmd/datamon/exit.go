package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/datamon-io/datamon/model"
	"github.com/spf13/cobra"
)

// Exit codes. See the package comment.
const (
	exitOK           = 0
	exitError        = 1
	exitNotFound     = 2 // ENOENT
	exitPrecondition = 3
	exitUsage        = 64 // EX_USAGE
	exitDeclined     = 1  // "n" to a confirmation prompt
	exitInterrupted  = 130
)

// annInterrupted is the cobra annotation with what an interruption leaves
// behind, printed after "interrupted: " when Ctrl-C cuts the command short.
const annInterrupted = "datamon/interrupted"

// errDeclined is returned when the user answers "n" to a prompt: nothing
// was done, and the exit code is 1 so that scripts notice.
var errDeclined = errors.New("aborted: nothing was changed")

// usageError marks errors in how the command was called.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// cliError replaces a server message by a clear one while keeping the cause
// for errors.Is (and thus for the exit code).
type cliError struct {
	msg string
	err error
}

func (e cliError) Error() string { return e.msg }
func (e cliError) Unwrap() error { return e.err }

// explain rewrites not-found and precondition errors about what (e.g.
// `repo "x"`) into a clear message; other errors pass through.
func explain(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, model.ErrNotFound):
		return cliError{msg: what + " not found", err: err}
	case errors.Is(err, model.ErrPrecondition):
		return cliError{msg: what + ": precondition failed" + detail(err, model.ErrPrecondition), err: err}
	case errors.Is(err, model.ErrExists):
		return cliError{msg: what + " already exists", err: err}
	}
	return err
}

// exitCode maps an error to the process exit code.
func exitCode(err error) int {
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, model.ErrNotFound):
		return exitNotFound
	case errors.Is(err, model.ErrPrecondition):
		return exitPrecondition
	case errors.As(err, &ue) || isCobraUsage(err):
		return exitUsage
	}
	return exitError
}

// isCobraUsage recognizes the usage errors cobra itself returns untyped.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "required flag", "accepts ", "requires at least", "invalid argument", "flag needs an argument"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// rejectUnknownSubcommands makes every command group (a command with
// subcommands and nothing to run itself) fail `datamon repo lst` as a usage
// error (exit 64, "unknown command"): cobra would print the group's help and
// exit 0, which lets a typo in a script pass. A group called alone still
// prints its help.
func rejectUnknownSubcommands(c *cobra.Command) {
	for _, sub := range c.Commands() {
		rejectUnknownSubcommands(sub)
	}
	if !c.HasSubCommands() || c.Runnable() || !c.HasParent() {
		return
	}
	c.Args = cobra.ArbitraryArgs
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return cmd.Help()
		}
		msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
		if cmd.SuggestionsMinimumDistance <= 0 {
			cmd.SuggestionsMinimumDistance = 1
		}
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			msg += "; did you mean " + strings.Join(s, " or ") + "?"
		}
		return usageError{errors.New(msg)}
	}
}

// detail is what the server said after the sentinel's own text ("precondition
// failed: <detail>"), prefixed with ": ", so that the CLI says the sentinel
// once; "" when there is nothing more.
func detail(err, sentinel error) string {
	msg, tag := err.Error(), sentinel.Error()+": "
	if i := strings.LastIndex(msg, tag); i >= 0 && i+len(tag) < len(msg) {
		return ": " + msg[i+len(tag):]
	}
	if !strings.Contains(msg, sentinel.Error()) {
		return ": " + msg
	}
	return ""
}
