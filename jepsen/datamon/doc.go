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
// Every process talks to its own node first (process p → node p mod N).
// By default (caller) the product client's own retries are off (Retries -1)
// and the process fails over to the next node only when the request was
// provably never sent (the connection's Write was never called) or refused
// unprocessed (NotServing), so an error is "definite" (fail) only then or on
// a 4xx answer; timeouts, resets and 5xx are indeterminate (info). Register
// processes selected by Config.ClientRetries instead run the product
// client's own failover and retries (retrier), as users' programs do; there
// only a 4xx is definite, so the history checks what the client claims.
package datamon
