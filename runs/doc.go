// Package runs holds what is built on top of the pipeline run records
// that raftmeta keeps (issue 19): the lineage walk (upstream: which runs
// produced a bundle and what they read; downstream: which runs read it and
// what they wrote), its renderings (terminal tree, Graphviz dot), the lease
// expirer that the leader runs to fail runs whose process stopped
// heartbeating, and OpenLineage RunEvents both ways (emitted to a JSON
// lines file or an HTTP endpoint with retries; accepted events turned into
// run starts and finishes).
//
// The package reads runs and bundles through small interfaces (Source,
// Expiring) that *raftmeta.Meta satisfies; node wires them.
package runs
