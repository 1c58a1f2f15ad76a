package peer

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/shard"
	"github.com/valyala/fasthttp"
)

// PathShardPutBatch stores many shards in one call: one request, one group
// commit on the peer, one acknowledgement once all of them are durable.
const PathShardPutBatch = "/internal/shard/put-batch"

// MaxBatchShards bounds the shards of one PutShards call.
const MaxBatchShards = 4096

// batchHeaderSize is one record's header in a put-batch body: chunk ID,
// shard index, big-endian uint32 shard length; the shard bytes follow.
const batchHeaderSize = chunk.IDSize + 1 + 4

// EncodeShardBatch frames keys and shards as a put-batch body.
func EncodeShardBatch(keys []shard.Key, shards [][]byte) []byte {
	n := 0
	for _, b := range shards {
		n += batchHeaderSize + len(b)
	}
	out := make([]byte, 0, n)
	for i, k := range keys {
		out = append(out, k.Chunk[:]...)
		out = append(out, k.Index)
		out = binary.BigEndian.AppendUint32(out, uint32(len(shards[i])))
		out = append(out, shards[i]...)
	}
	return out
}

// DecodeShardBatch parses a put-batch body. The shards alias b. Errors wrap
// ErrBadRequest.
func DecodeShardBatch(b []byte) ([]shard.Key, [][]byte, error) {
	var keys []shard.Key
	var shards [][]byte
	for off := 0; off < len(b); {
		if len(keys) == MaxBatchShards {
			return nil, nil, fmt.Errorf("%w: more than %d shards in a batch", ErrBadRequest, MaxBatchShards)
		}
		if len(b)-off < batchHeaderSize {
			return nil, nil, fmt.Errorf("%w: truncated batch record header at byte %d", ErrBadRequest, off)
		}
		var k shard.Key
		copy(k.Chunk[:], b[off:off+chunk.IDSize])
		k.Index = b[off+chunk.IDSize]
		n := binary.BigEndian.Uint32(b[off+chunk.IDSize+1:])
		off += batchHeaderSize
		if uint64(n) > uint64(len(b)-off) {
			return nil, nil, fmt.Errorf("%w: batch record %d claims %d bytes, %d left", ErrBadRequest, len(keys), n, len(b)-off)
		}
		keys = append(keys, k)
		shards = append(shards, b[off:off+int(n):off+int(n)])
		off += int(n)
	}
	return keys, shards, nil
}

// serveShardBatch registers the put-batch route over store (ServeShards
// calls it). The whole batch is validated before anything is stored: a
// malformed body (400) or an invalid shard (422) stores nothing.
func (s *Server) serveShardBatch(store ShardStore) {
	s.Handle(PathShardPutBatch, func(ctx *fasthttp.RequestCtx) {
		// The shards alias the request body, which fasthttp reuses only after
		// the handler returns; PutBatch returns after every shard is durable
		// or (on ctx end) when the writer may still read them — so copy.
		keys, shards, err := DecodeShardBatch(append([]byte(nil), ctx.PostBody()...))
		if err == nil && len(keys) == 0 {
			err = fmt.Errorf("%w: empty batch", ErrBadRequest)
		}
		if err == nil {
			err = store.PutBatch(ctx, keys, shards)
		}
		if err != nil {
			s.log.Debug("shard batch rpc failed", "shards", len(keys), "err", err)
			writeError(ctx, err)
			return
		}
		ctx.SetStatusCode(fasthttp.StatusNoContent)
	})
}

// PutShards stores every shard on the peer at addr; nil means all of them
// are durable. Any error means none may be counted as stored.
func (c *Client) PutShards(ctx context.Context, addr string, keys []shard.Key, shards [][]byte) error {
	if len(keys) != len(shards) || len(keys) > MaxBatchShards {
		return fmt.Errorf("peer: put %d shards (%d keys) on %s: %w", len(shards), len(keys), addr, ErrBadRequest)
	}
	if len(keys) == 0 {
		return nil
	}
	if _, err := c.do(ctx, addr, PathShardPutBatch, "", EncodeShardBatch(keys, shards), true); err != nil {
		return fmt.Errorf("peer: put %d shards on %s: %w", len(keys), addr, err)
	}
	return nil
}
