// Package load runs a closed-loop load: N concurrent clients each calling an
// operation back to back for a duration or a number of operations, recording
// every latency, and summarises ops/s with p50/p99/max latency.
package load
