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
// Every write carries a request ID (header X-Datamon-Request-Id, package
// reqid): one per logical call, the same on every attempt. The cluster
// applies a request at most once per (key, ID) and answers a resend with
// the first outcome — success, or the error the first attempt got — so
// every write is resent like a read after a timeout, a reset or a 503 (a
// lost Raft leader), up to Config.Retries. A resend after the cluster's
// deduplication window gets model.ErrRequestExpired, never a second apply;
// an ID reused for another operation gets model.ErrRequestReused.
// WithRequestID pins the ID (a job that persists it can resend after its
// own restart). See docs/guarantees.md.
//
// Reads are linearizable unless the context comes from Stale(ctx).
// GetChunk verifies the BLAKE3 ID of what it receives and tries another
// endpoint on a mismatch (ErrCorruptChunk if none returns good bytes).
//
// FileConfig is the client.yaml format shared by the CLI, FUSE and tools.
package client
