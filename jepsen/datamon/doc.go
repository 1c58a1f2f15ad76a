// Package datamon wires the jepsen runner to the real product: workloads
// over the Go client (package client) and the cluster hooks the nemeses and
// the convergence checker need.
//
//   - register: ~16 labels of one repo as a linearizable register whose
//     values are bundle IDs drawn from a pool committed at setup (unique per
//     label while the pool lasts); get / set / cas (IfMatch) / create
//     (IfNotExists).
//   - bundle: multi-file bundles (manifest built with package manifest,
//     contents naming label, version and file number) committed with a label
//     move while readers read the label, its bundle and every file.
//   - set: the S3 object set through each node's gateway (path-style,
//     SigV4-signed with the root key; bucket = a repo, objects live in the
//     repo's Raft draft): unique keys per client, periodic list + sampled
//     gets, a final full list.
//   - Leader / StateHashes: ClusterStatus of every node (stale, pinned to
//     that node) for the leader-aimed nemeses and CheckConvergence.
//
// Every process talks to its own node first (process p → node p mod N) and
// fails over to the next node only when the request was provably never sent
// (the connection's Write was never called), so an error is "definite" (fail)
// only when nothing left the client or the server answered 4xx; timeouts,
// resets and 5xx are indeterminate (info). The product client's own retries
// are off (Retries -1): a retried conditional write could otherwise report a
// precondition failure for a write that its first attempt applied.
package datamon
