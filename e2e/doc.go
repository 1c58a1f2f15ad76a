// Package e2e holds the multi-process end-to-end tests: real `datamon node`
// processes on loopback (package localcluster), driven through the real CLI
// binary and the Go client, with SIGKILL / restart faults.
//
// The binary is taken from $DATAMON_BIN (make test sets it) or built once
// into a temporary directory by TestMain. Tests are skipped under -short
// (unit runs); make test runs them all.
package e2e
