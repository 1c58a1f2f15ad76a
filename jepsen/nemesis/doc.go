// Package nemesis injects faults into a running cluster. Every nemesis has a
// name, Invoke(ctx) to start a fault, Heal(ctx) to end it, and a Log of what
// was done when (for the run's artifacts).
//
// Faults: network partitions with nftables inside node namespaces (or on
// per-node loopback addresses in a table of our own), SIGKILL + restart,
// SIGSTOP/SIGCONT pauses, clock offsets via restart with --test-clock-offset,
// latency/loss/blackhole through jepsen/proxy, a full disk on a tmpfs data
// dir, file corruption/deletion hooks, and membership changes via callbacks.
package nemesis
