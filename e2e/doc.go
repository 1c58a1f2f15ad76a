// Package e2e holds the multi-process end-to-end tests: real `datamon node`
// processes on loopback (package localcluster), driven through the real CLI
// binary and the Go client, with SIGKILL / restart faults.
//
// The binary is taken from $DATAMON_BIN (make test sets it) or built once
// into a temporary directory by TestMain. Tests are skipped under -short
// (unit runs); make test runs them all.
//
// Tests that own everything they touch (their cluster on free ports, a
// private HOME and client configs, no environment changes, no CPU load
// generator, no timing that another cluster's load could break) call
// t.Parallel: go test runs them two at a time (GOMAXPROCS on a 2-core
// box) after the sequential ones, which keeps the package inside make
// test's budget. Fault tests that time elections or disks stay sequential.
package e2e
