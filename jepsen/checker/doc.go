// Package checker validates jepsen histories:
//
//   - Register: per-key label registers (get / set / compare-and-set /
//     create-if-absent / delete) checked for linearizability with porcupine;
//     indeterminate ops may take effect at any later time; porcupine's
//     Unknown (timeout) is a failure; an HTML visualization is written on
//     failure.
//   - Set: S3 object workload: no acknowledged write lost, no corrupt read,
//     no read missing a write acknowledged before it began, nothing that was
//     never written.
//   - Bundle: every read of a bundle sees one whole committed version or
//     nothing, never part of one or a mix of versions.
//   - Convergence: every node reports the same state hash after heal.
//   - Liveness: a minimum number of ok operations inside a time window.
package checker
