// Package suite is the benchmark runner: a registry of figures (each a
// func(ctx, *Env) ([]report.Measurement, error)), the Env they share (work
// directory, the deterministic data sets, a lazily started local cluster or
// a remote one, a client), the quick and full profiles, and Run, which runs
// the selected figures in order — ceilings, peers, product — records a
// failing or panicking figure as failed without stopping, and writes the
// JSON + markdown report.
package suite
