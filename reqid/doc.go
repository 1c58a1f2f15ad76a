// Package reqid defines the request IDs that make datamon's writes
// exactly-once: the format a client generates (New) and the server checks
// (Parse), the HTTP header that carries one, and the context value that
// takes an ID from the API layer to the metadata state machine.
//
// A request ID is "<issued>-<token>": issued is the client's clock at the
// first attempt in unix milliseconds (decimal), token 16 to 64 characters
// of [A-Za-z0-9_-] chosen at random. A client uses one ID per logical
// operation and sends the same ID on every resend. The issued time lets
// the server tell a resend that arrives after its deduplication window
// (refused as expired) from a new request (applied): see raftmeta's
// request window and docs/guarantees.md.
//
// The package is a leaf (it imports nothing of ours) so the client, the
// API and raftmeta can share it.
package reqid
