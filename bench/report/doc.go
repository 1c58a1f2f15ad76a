// Package report holds the result model of a benchmark run (environment plus
// measurements), collects the environment of the machine, and writes a run as
// JSON and as a markdown report with charts (PNG, drawn with gonum plot).
//
// A Measurement names the ceiling and the peer it is compared with; Resolve
// fills in their values and ratios from the other measurements of the same
// run, so every ratio in a report is computed from figures measured together.
package report
