package peer

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/datamon-io/datamon/chunk"
	"github.com/datamon-io/datamon/shard"
	"github.com/valyala/fasthttp"
)

// Shard RPC routes registered by ServeShards.
const (
	PathShardPut    = "/internal/shard/put"
	PathShardGet    = "/internal/shard/get"
	PathShardHas    = "/internal/shard/has"
	PathShardDelete = "/internal/shard/delete"
)

// keyParam is the query parameter carrying a shard key: "<64 hex>.<index>".
const keyParam = "k"

// keyRecordSize is one key in a has request body: chunk ID then index.
const keyRecordSize = chunk.IDSize + 1

// MaxHasKeys bounds the keys of one HasShards call.
const MaxHasKeys = 1 << 16

// ShardStore is what ServeShards needs from the node-local store
// (*shard.Store satisfies it).
type ShardStore interface {
	Put(ctx context.Context, k shard.Key, b []byte) error
	PutBatch(ctx context.Context, keys []shard.Key, shards [][]byte) error
	Get(ctx context.Context, k shard.Key) ([]byte, error)
	Has(ctx context.Context, keys []shard.Key) ([]bool, error)
	Delete(ctx context.Context, k shard.Key) error
}

func formatKey(k shard.Key) string {
	return hex.EncodeToString(k.Chunk[:]) + "." + strconv.Itoa(int(k.Index))
}

// parseKey parses formatKey's output. Errors wrap ErrBadRequest.
func parseKey(s string) (shard.Key, error) {
	var k shard.Key
	idHex, idx, ok := strings.Cut(s, ".")
	if !ok || len(idHex) != 2*chunk.IDSize || len(idx) == 0 || len(idx) > 3 || (idx[0] == '0' && len(idx) > 1) {
		return k, fmt.Errorf("%w: malformed shard key %q", ErrBadRequest, s)
	}
	for _, c := range []byte(idHex) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return k, fmt.Errorf("%w: malformed shard key %q", ErrBadRequest, s)
		}
	}
	if _, err := hex.Decode(k.Chunk[:], []byte(idHex)); err != nil {
		return k, fmt.Errorf("%w: malformed shard key %q", ErrBadRequest, s)
	}
	n, err := strconv.ParseUint(idx, 10, 8)
	if err != nil {
		return k, fmt.Errorf("%w: malformed shard index %q", ErrBadRequest, s)
	}
	k.Index = uint8(n)
	return k, nil
}

func encodeKeys(keys []shard.Key) []byte {
	b := make([]byte, 0, len(keys)*keyRecordSize)
	for _, k := range keys {
		b = append(b, k.Chunk[:]...)
		b = append(b, k.Index)
	}
	return b
}

// decodeKeys parses a has request body. Errors wrap ErrBadRequest.
func decodeKeys(b []byte) ([]shard.Key, error) {
	if len(b)%keyRecordSize != 0 {
		return nil, fmt.Errorf("%w: key list length %d not a multiple of %d", ErrBadRequest, len(b), keyRecordSize)
	}
	n := len(b) / keyRecordSize
	if n > MaxHasKeys {
		return nil, fmt.Errorf("%w: %d keys > %d", ErrBadRequest, n, MaxHasKeys)
	}
	keys := make([]shard.Key, n)
	for i := range keys {
		rec := b[i*keyRecordSize:]
		copy(keys[i].Chunk[:], rec[:chunk.IDSize])
		keys[i].Index = rec[chunk.IDSize]
	}
	return keys, nil
}

// ServeShards registers the shard RPC routes over store.
func (s *Server) ServeShards(store ShardStore) {
	withKey := func(fn func(ctx *fasthttp.RequestCtx, k shard.Key) error) fasthttp.RequestHandler {
		return func(ctx *fasthttp.RequestCtx) {
			k, err := parseKey(string(ctx.QueryArgs().Peek(keyParam)))
			if err == nil {
				err = fn(ctx, k)
			}
			if err != nil {
				s.log.Debug("shard rpc failed", "path", string(ctx.Path()), "err", err)
				writeError(ctx, err)
			}
		}
	}
	s.Handle(PathShardPut, withKey(func(ctx *fasthttp.RequestCtx, k shard.Key) error {
		// Copy: fasthttp reuses the body buffer once the handler returns,
		// and the store may still hold the slice if it gives up early.
		b := append([]byte(nil), ctx.PostBody()...)
		if err := store.Put(ctx, k, b); err != nil {
			return err
		}
		ctx.SetStatusCode(fasthttp.StatusNoContent)
		return nil
	}))
	s.Handle(PathShardGet, withKey(func(ctx *fasthttp.RequestCtx, k shard.Key) error {
		b, err := store.Get(ctx, k)
		if err != nil {
			return err
		}
		ctx.SetContentType("application/octet-stream")
		ctx.Response.SetBodyRaw(b)
		return nil
	}))
	s.Handle(PathShardDelete, withKey(func(ctx *fasthttp.RequestCtx, k shard.Key) error {
		if err := store.Delete(ctx, k); err != nil {
			return err
		}
		ctx.SetStatusCode(fasthttp.StatusNoContent)
		return nil
	}))
	s.serveShardBatch(store)
	s.Handle(PathShardHas, func(ctx *fasthttp.RequestCtx) {
		keys, err := decodeKeys(ctx.PostBody())
		var has []bool
		if err == nil {
			has, err = store.Has(ctx, keys)
		}
		if err == nil && len(has) != len(keys) {
			err = fmt.Errorf("peer: store answered %d of %d keys", len(has), len(keys))
		}
		if err != nil {
			writeError(ctx, err)
			return
		}
		out := make([]byte, len(has))
		for i, h := range has {
			if h {
				out[i] = 1
			}
		}
		ctx.Response.SetBodyRaw(out)
	})
}

// PutShard stores b as shard k on the peer at addr (durable when it returns nil).
func (c *Client) PutShard(ctx context.Context, addr string, k shard.Key, b []byte) error {
	if _, err := c.do(ctx, addr, PathShardPut, keyParam+"="+formatKey(k), b, true); err != nil {
		return fmt.Errorf("peer: put shard %s on %s: %w", formatKey(k), addr, err)
	}
	return nil
}

// GetShard fetches shard k from the peer at addr. shard.ErrNotFound and
// shard.ErrCorrupt are preserved.
func (c *Client) GetShard(ctx context.Context, addr string, k shard.Key) ([]byte, error) {
	b, err := c.do(ctx, addr, PathShardGet, keyParam+"="+formatKey(k), nil, true)
	if err != nil {
		return nil, fmt.Errorf("peer: get shard %s from %s: %w", formatKey(k), addr, err)
	}
	return b, nil
}

// HasShards reports which of keys the peer at addr holds.
func (c *Client) HasShards(ctx context.Context, addr string, keys []shard.Key) ([]bool, error) {
	if len(keys) == 0 {
		return []bool{}, nil
	}
	out := make([]bool, 0, len(keys))
	for start := 0; start < len(keys); start += MaxHasKeys {
		batch := keys[start:min(start+MaxHasKeys, len(keys))]
		b, err := c.do(ctx, addr, PathShardHas, "", encodeKeys(batch), true)
		if err != nil {
			return nil, fmt.Errorf("peer: has %d shards on %s: %w", len(batch), addr, err)
		}
		if len(b) != len(batch) {
			return nil, fmt.Errorf("peer: has on %s: %w: %d answers for %d keys", addr, ErrBadRequest, len(b), len(batch))
		}
		for _, v := range b {
			out = append(out, v == 1)
		}
	}
	return out, nil
}

// DeleteShard removes shard k from the peer at addr.
func (c *Client) DeleteShard(ctx context.Context, addr string, k shard.Key) error {
	if _, err := c.do(ctx, addr, PathShardDelete, keyParam+"="+formatKey(k), nil, true); err != nil {
		return fmt.Errorf("peer: delete shard %s on %s: %w", formatKey(k), addr, err)
	}
	return nil
}
