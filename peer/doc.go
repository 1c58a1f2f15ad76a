// Package peer owns internal node-to-node communication, all of it
// authenticated with the cluster secret:
//
//   - request signing (auth.go): every internal HTTP request carries an
//     X-Datamon-Auth header with a timestamp and an HMAC-SHA256 over the
//     method, request URI (path + query), timestamp and a BLAKE3-256 digest of
//     the body, keyed with a key derived from the cluster secret. Requests
//     outside ±MaxSkew (5 min) or with a bad MAC are rejected with 401 before
//     any handler runs. Comparison is constant-time. Replays inside the window
//     are not detected; every internal route must be idempotent.
//   - Server (server.go): a fasthttp mux of exact paths; ServeShards registers
//     the shard RPC (/internal/shard/{put,get,has,delete}) over a ShardStore.
//   - Client (client.go): signed POSTs with keep-alive; honours ctx deadlines
//     and cancellation; shard errors keep their sentinels across the wire
//     (errors.Is(err, shard.ErrNotFound)); transport failures wrap
//     ErrUnreachable so callers can fail over.
//   - StreamLayer (stream.go): a raft.StreamLayer over TCP whose connections
//     pass a mutual HMAC challenge-response before raft sees them.
//
// Concurrency: Server, Client and StreamLayer are safe for concurrent use.
// Server.Handle may be called before or while serving. Background work is
// stopped by Server.Shutdown, Client.Close and StreamLayer.Close.
package peer
