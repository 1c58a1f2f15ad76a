// Package client is the Go client of datamon's public JSON API (package api).
//
// A Client knows several endpoints (any nodes of the cluster). Each call is
// signed with the access key (package apiauth) and sent to the endpoint that
// answered last; on a connection error, a 503, or (for idempotent calls) any
// 5xx or timeout, it fails over to the next endpoint with exponential backoff
// bounded by the call's context and Config.Retries. 4xx answers are never
// retried; they come back as *APIError, which unwraps to the model sentinels
// (errors.Is(err, model.ErrNotFound)).
//
// Writes whose resend could undo or repeat an effect (CreateContext,
// CreateRepo, CommitBundle, CommitDraft, SetLabel — conditional or not: a
// resent move can move the label back over another writer's move —
// DiscardDraft, SetRepairRate, RemoveNode, GC) are retried only when the
// request could not have been applied: on dial errors, and on a 503 whose
// code is NotServing (the node refused before processing). Any other 503 — e.g. a timeout between the node
// and the Raft leader — may follow an applied command, so it is returned
// (ErrUnavailable) rather than resent.
//
// Reads are linearizable unless the context comes from Stale(ctx).
// GetChunk verifies the BLAKE3 ID of what it receives and tries another
// endpoint on a mismatch (ErrCorruptChunk if none returns good bytes).
//
// FileConfig is the client.yaml format shared by the CLI, FUSE and tools.
package client
