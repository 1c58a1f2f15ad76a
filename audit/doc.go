// Package audit keeps a node's append-only audit log: one JSON line per
// authenticated write and per refused request (401, 403, throttled), with
// who (access key, user), from where (source address), what (action and
// target) and how it ended (status, error code).
//
// Storage. Records go to JSON-lines segment files in Config.Dir (mode 0600,
// directory 0700; wider modes are narrowed at Open), named
// audit-<start unix nanos>.jsonl. A single writer goroutine appends queued
// records in batches and fsyncs each batch before it acknowledges it. A
// segment past Config.SegmentBytes is closed and a new one started; whole
// segments are deleted oldest first past Config.MaxBytes or Config.MaxAge.
// Every Open starts a new segment, so a torn last line left by a crash is
// never appended to (readers skip unparsable lines and count them).
//
// Durability. Log.Record (used for writes that succeeded) waits until its
// record is on disk, or Config.WaitTimeout: the caller sends its answer
// after that, so an acknowledged write has its record. Log.Submit (refusals
// and failed writes, which changed nothing) never blocks: when the queue is
// more than half full it drops the record and counts it
// (datamon_audit_dropped_total), so a flood of refused requests cannot
// stall writes nor grow memory.
//
// Secrets. A Record has no field for headers, signatures, secrets or tokens;
// callers fill it from the identity and the route only. Fields are capped in
// length (Sanitize).
//
// Query. Log.Query answers from this node's segments (Query: since, until,
// user, repo, key, limit; the latest Limit matches, oldest first). The
// cluster-wide view is the client's: it asks every node and merges by time.
package audit
