// Package localcluster runs a cluster of real `datamon node` processes on
// loopback: for humans (`datamon cluster local`, `make run`) and as the
// multi-process harness of the end-to-end tests, jepsen's loopback mode and
// the benchmarks.
//
// Start spawns N processes of the given binary with distinct ports (sites
// assigned round-robin), waits until every node answers /healthz and the Raft
// group has a leader whose layout holds every node, and writes DIR/client.yaml
// for the CLI. The wait follows progress (wait.go): it fails after
// ReadyTimeout without any node taking a step, or after ReadyCeiling.
// Before the nodes start, Start measures loopback round trips and
// scheduling delay and derives every node's Raft timings from them
// (timings.go), and sizes each node's disk ballast to the shared
// filesystem's free space (ballast.go). Secrets are generated once and kept in DIR/cluster.yaml, so a
// restart of the same DIR reuses the data. Kill / Restart / Pause act on
// single nodes by PID; Stop ends every process it started (SIGTERM, then
// SIGKILL after a grace period).
//
// A Cluster is safe for use by one goroutine at a time.
package localcluster
