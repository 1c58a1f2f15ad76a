package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/datamon-io/datamon/model"
)

// Exit codes. See the package comment.
const (
	exitOK           = 0
	exitError        = 1
	exitNotFound     = 2 // ENOENT
	exitPrecondition = 3
	exitUsage        = 64 // EX_USAGE
)

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
		return cliError{msg: what + ": precondition failed: " + err.Error(), err: err}
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
