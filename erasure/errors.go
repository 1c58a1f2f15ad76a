package erasure

import "errors"

// Sentinel errors; callers test with errors.Is. Returned errors wrap these with context.
var (
	// ErrInvalidShardCount: k < 1, m < 0 or k+m > 256.
	ErrInvalidShardCount = errors.New("erasure: invalid shard count")
	// ErrTooLarge: the chunk does not fit the uint32 length field.
	ErrTooLarge = errors.New("erasure: chunk too large")
	// ErrTruncated: the buffer is shorter than its header says.
	ErrTruncated = errors.New("erasure: shard truncated")
	// ErrCorrupt: bad magic, checksum mismatch or trailing bytes.
	ErrCorrupt = errors.New("erasure: shard corrupt")
	// ErrVersion: the shard was written by an unknown format version.
	ErrVersion = errors.New("erasure: unsupported shard format version")
	// ErrBadHeader: the header's fields are inconsistent (index >= k+m, wrong payload length...).
	ErrBadHeader = errors.New("erasure: bad shard header")
	// ErrTooFewShards: fewer than k valid, mutually consistent shards.
	ErrTooFewShards = errors.New("erasure: too few shards")
	// ErrMismatch: the shard slice does not have k+m slots for the chunk's header,
	// or parity does not match the data (Verify).
	ErrMismatch = errors.New("erasure: shards mismatch")
)
