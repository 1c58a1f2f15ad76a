// Package history records the operations of a jepsen run: who called what,
// when it was called and returned (monotonic offsets from the run start), and
// whether it was ok, failed (definitely not applied) or info (indeterminate:
// it may have been applied at any later time). A History is safe for
// concurrent use and dumps as JSON lines for failure artifacts.
package history
