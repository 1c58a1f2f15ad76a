package shard

import (
	"errors"
	"fmt"

	"github.com/datamon-io/datamon/model"
)

// Sentinel errors; returned errors wrap them with context, test with errors.Is.
var (
	// ErrNoNodes: the layout has no nodes to place shards on.
	ErrNoNodes = errors.New("shard: layout has no nodes")
	// ErrBadPolicy: the layout's erasure policy is invalid.
	ErrBadPolicy = errors.New("shard: invalid erasure policy")
	// ErrBadIndex: a shard index outside 0..K+M-1.
	ErrBadIndex = errors.New("shard: shard index out of range")
	// ErrNotFound: the store does not hold the shard.
	// It also matches model.ErrNotFound.
	ErrNotFound = fmt.Errorf("shard: %w", model.ErrNotFound)
	// ErrCorrupt: the stored shard failed its checksum or does not match its key.
	ErrCorrupt = errors.New("shard: corrupt")
	// ErrBadShard: Put was given bytes that are not a valid shard for the key.
	// It also matches model.ErrInvalid.
	ErrBadShard = fmt.Errorf("shard: bad shard: %w", model.ErrInvalid)
	// ErrClosed: the store is closed.
	ErrClosed = errors.New("shard: store closed")
	// ErrBadConfig: invalid StoreConfig.
	ErrBadConfig = errors.New("shard: invalid config")
	// ErrBadKey: a stored key or index entry that cannot be decoded.
	ErrBadKey = errors.New("shard: malformed key")
)
